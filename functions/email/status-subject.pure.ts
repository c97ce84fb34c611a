// The subject grammar of staff updates by mail (to a `status` intake address):
//
//   [investigating] API errors              create "API errors", or update the open incident of that name
//   [identified] API errors                 update it (or create it)
//   [monitoring] API errors
//   [resolved] API errors                   resolve it (its components go back to operational)
//   [update] API errors                     a new update, status unchanged
//   [investigating major] API errors        with an impact: none, minor, major, critical
//   [resolved] inc_a1b2c3d4e5f6             an incident by id, anywhere in the subject
//
// Reply prefixes (Re:, Fwd: ...) are ignored. The body of the mail is the update's text.
import { stripReplyPrefixes } from "./threading.pure";

export const STATUS_WORDS = ["investigating", "identified", "monitoring", "resolved", "update"] as const;
export type StatusWord = (typeof STATUS_WORDS)[number];
export const IMPACTS = ["none", "minor", "major", "critical"] as const;
export type Impact = (typeof IMPACTS)[number];

export type StatusSubject =
  | { ok: true; status: StatusWord; impact: Impact | null; name: string; incidentId: string | null }
  | { ok: false; reason: string };

export const SUBJECT_HELP =
  "Start the subject with the status in brackets, then the incident's name: [investigating] API errors. " +
  "Statuses: investigating, identified, monitoring, resolved, update; an impact may follow the status: [investigating major] API errors.";

export function parseStatusSubject(subject: string): StatusSubject {
  const s = stripReplyPrefixes(subject.replace(/\s+/g, " "));
  const m = /^\[\s*([a-z]+)(?:\s*[\s/:,]\s*([a-z]+))?\s*\]\s*(.*)$/i.exec(s);
  if (!m) return { ok: false, reason: SUBJECT_HELP };
  const status = m[1]!.toLowerCase();
  if (!(STATUS_WORDS as readonly string[]).includes(status)) return { ok: false, reason: `"${status.slice(0, 30)}" is not a status. ${SUBJECT_HELP}` };
  const impact = m[2]?.toLowerCase() ?? null;
  if (impact !== null && !(IMPACTS as readonly string[]).includes(impact)) return { ok: false, reason: `"${impact.slice(0, 30)}" is not an impact: use none, minor, major or critical.` };
  const rest = m[3]!.trim();
  const incidentId = /\b(inc_[a-z0-9]{12})\b/.exec(rest)?.[1] ?? null;
  const name = rest.replace(/\(?\binc_[a-z0-9]{12}\b\)?/, "").replace(/\s+/g, " ").trim();
  if (!incidentId && name.length === 0) return { ok: false, reason: "Name the incident after the status: [investigating] API errors." };
  if (name.length > 200) return { ok: false, reason: "Keep the incident's name under 200 characters." };
  return { ok: true, status: status as StatusWord, impact: impact as Impact | null, name, incidentId };
}

/** The same incident name, as people retype it: case, spacing and punctuation at the ends aside. */
export function sameIncidentName(a: string, b: string): boolean {
  const norm = (v: string) => v.normalize("NFKC").toLowerCase().replace(/\s+/g, " ").replace(/^[\s.:!-]+|[\s.:!-]+$/g, "");
  return norm(a) === norm(b);
}
