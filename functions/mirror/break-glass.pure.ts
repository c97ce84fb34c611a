// Break glass: when Cloudflare itself is down, staff post an incident update straight to the
// mirror from a laptop (`npm run hub -- mirror post "..."`), without the Worker. The post is an
// entry in a log file the target keeps (`_mirror/break-glass.json`), and the CLI patches the
// mirror's published files so readers see it at once. When the Worker can publish again, it
// reads the log first and imports each entry as an incident update with the entry's own ids and
// time, so the record keeps it and the next snapshot shows it as the live site does.
//
// This module is the pure part both sides share: the log's schema, entries as domain incidents,
// and the markers a mirror page carries where a post goes.
import * as z from "zod";
import { CreateIncidentInput } from "../../contract/status";
import type { Incident, IncidentUpdate } from "../status/model.pure";

/** The log is bounded: a post is an outage's worth of updates, not a history. */
export const MAX_ENTRIES = 200;

export const BreakGlassStatus = z.enum(["investigating", "identified", "monitoring", "resolved"]);
export const BreakGlassImpact = z.enum(["none", "minor", "major", "critical"]);

export const BreakGlassEntry = z.strictObject({
  /** The incident update's id on the live site once imported. */
  id: z.string().regex(/^upd_bg[a-z0-9]{12}$/),
  /** The incident's id: the first entry of an incident creates it, later ones add updates. */
  incident: z.string().regex(/^inc_bg[a-z0-9]{12}$/),
  at: z.iso.datetime(),
  name: CreateIncidentInput.shape.name,
  status: BreakGlassStatus,
  impact: BreakGlassImpact,
  body: CreateIncidentInput.shape.body,
});
export type BreakGlassEntry = z.infer<typeof BreakGlassEntry>;

export interface BreakGlassLog {
  format: 1;
  entries: BreakGlassEntry[];
}

/**
 * The log from a target's file: its valid entries, and a sentence per entry refused (whoever
 * can write the bucket can write this file; what reaches the live record is checked as strictly
 * as the staff API checks a post).
 */
export function parseBreakGlassLog(text: string | null): { log: BreakGlassLog; problems: string[] } {
  const log: BreakGlassLog = { format: 1, entries: [] };
  if (text === null) return { log, problems: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { log, problems: ["The break-glass log is not JSON."] };
  }
  const entries = (raw as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(entries)) return { log, problems: ["The break-glass log has no entries list."] };
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [i, entry] of entries.slice(0, MAX_ENTRIES).entries()) {
    const parsed = BreakGlassEntry.safeParse(entry);
    if (!parsed.success) problems.push(`Entry ${i + 1}: ${parsed.error.issues.map((issue) => `${issue.path.join(".") || "entry"}: ${issue.message}`).join("; ")}`);
    else if (!seen.has(parsed.data.id)) {
      seen.add(parsed.data.id);
      log.entries.push(parsed.data);
    }
  }
  if (entries.length > MAX_ENTRIES) problems.push(`Only the first ${MAX_ENTRIES} entries are read.`);
  return { log, problems };
}

/** Entries of several logs (one per target) as one, by id, oldest first. */
export function mergeEntries(logs: readonly BreakGlassLog[]): BreakGlassEntry[] {
  const byId = new Map<string, BreakGlassEntry>();
  for (const log of logs) for (const e of log.entries) if (!byId.has(e.id)) byId.set(e.id, e);
  return [...byId.values()].sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
}

/** The incident a new post continues by default: the newest one not yet resolved, if any. */
export function incidentToContinue(entries: readonly BreakGlassEntry[]): string | null {
  const latest = new Map<string, BreakGlassEntry>();
  for (const e of [...entries].sort((a, b) => a.at.localeCompare(b.at))) latest.set(e.incident, e);
  const open = [...latest.values()].filter((e) => e.status !== "resolved").sort((a, b) => b.at.localeCompare(a.at));
  return open[0]?.incident ?? null;
}

/** The entries as the domain's incidents (newest first), for the same renderers the live pages use. */
export function breakGlassIncidents(entries: readonly BreakGlassEntry[]): Incident[] {
  const groups = new Map<string, BreakGlassEntry[]>();
  for (const e of [...entries].sort((a, b) => a.at.localeCompare(b.at))) groups.set(e.incident, [...(groups.get(e.incident) ?? []), e]);
  const incidents: Incident[] = [];
  for (const [id, list] of groups) {
    const first = list[0]!;
    const last = list[list.length - 1]!;
    const updates: IncidentUpdate[] = list
      .map((e) => ({ id: e.id, incidentId: id, status: e.status, body: e.body, createdAt: e.at, displayAt: e.at, updatedAt: e.at, affected: [] }))
      .reverse();
    incidents.push({
      id,
      kind: "incident",
      name: first.name,
      status: last.status,
      impact: last.impact,
      postmortemSlug: null,
      scheduledFor: null,
      scheduledUntil: null,
      createdAt: first.at,
      updatedAt: last.at,
      startedAt: first.at,
      monitoringAt: list.find((e) => e.status === "monitoring")?.at ?? null,
      resolvedAt: last.status === "resolved" ? last.at : null,
      updates,
      componentIds: [],
    });
  }
  return incidents.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
}

/**
 * Markers a mirror page carries around the places a break-glass post fills (HTML comments: they
 * survive any static host and show nothing). The Worker's mirror rewriter writes them.
 */
export function markers(name: MarkerName): [string, string] {
  return [`<!--mirror:${name}-->`, `<!--/mirror:${name}-->`];
}
export type MarkerName = "urgent" | "overall-status" | "title" | "detail" | "updated";

/** `page` with what stands between the markers `name` replaced by `content` (markup). */
export function replaceBetween(page: string, name: MarkerName, content: string): string {
  const [open, close] = markers(name);
  const start = page.indexOf(open);
  const end = page.indexOf(close, start + open.length);
  if (start < 0 || end < 0) throw new Error(`The mirror's page has no "${name}" place for the update: publish the mirror once from the Worker first.`);
  return page.slice(0, start + open.length) + content + page.slice(end);
}

/** The page's <title> text replaced (escaped markup in, as the rewriter writes it). */
export function replaceTitle(page: string, escapedTitle: string): string {
  return page.replace(/<title>[^<]*<\/title>/, `<title>${escapedTitle}</title>`);
}

/** The home page's banner colour (`data-indicator` of the overall status). */
export function replaceIndicator(page: string, indicator: string): string {
  return page.replace(/(data-slot="overall"[^>]*?data-indicator=")[a-z]+(")|(data-indicator=")[a-z]+("[^>]*?data-slot="overall")/, (_m, a, b, c, d) => (a ? `${a}${indicator}${b}` : `${c}${indicator}${d}`));
}
