// Staff updates by mail: to a `status` intake address, from an allow-listed staff address whose
// mail passed DMARC, or DKIM/SPF aligned with its From domain, in our receiving server's
// Authentication-Results. The subject says what (status-subject.pure.ts), the body is the
// update. Everything else is refused at SMTP time with the reason (setReject: a permanent
// 5xx, the sender's server bounces it to them at once).
import { CreateIncidentInput, PostIncidentUpdateInput } from "../../contract/status";
import type { EmailIntakeEntry } from "../../contract/email-intake";
import { normalizeText } from "../../contract/reports";
import { siteConfig } from "../../site.config";
import type { Services } from "../platform/services";
import { parseWith } from "../platform/body";
import { ApiError } from "../platform/errors";
import { recordSentMailStatement } from "../reports/queries";
import { baseAddress, bareAddress, domainOf } from "./addresses.pure";
import { aligned, authenticationVerdict } from "./auth-results.pure";
import type { HeaderLine } from "./headers.pure";
import { splitFreshText } from "./quotes.pure";
import { incidentById, openIncident, openIncidents, updateIncident } from "./status-seam";
import { parseStatusSubject, sameIncidentName } from "./status-subject.pure";

export type SenderCheck = { ok: true; from: string } | { ok: false; reason: string };

/** Who may post: decided from the headers alone, before anything is stored, so that refused
 * mail is refused at once and never kept. */
export function checkStaffSender(entry: EmailIntakeEntry, headers: readonly HeaderLine[], envelopeFrom: string, trustedIds: readonly string[]): SenderCheck {
  const fromHeaders = headers.filter((h) => h.name === "from");
  if (fromHeaders.length !== 1) return { ok: false, reason: "A status update needs exactly one From address." };
  const from = bareAddress(fromHeaders[0]!.value);
  if (!entry.staff.map(baseAddress).includes(baseAddress(from))) {
    return { ok: false, reason: `${entry.address} takes status updates from staff only; ${from || "this sender"} is not on its list.` };
  }
  // The envelope sender must be of the From domain too: Cloudflare checks SPF on it, so a
  // stranger cannot send from our domain's envelope, and a forged Authentication-Results
  // header (where the receiving server stamps none) is not enough on its own.
  if (!aligned(domainOf(envelopeFrom), domainOf(from))) {
    return { ok: false, reason: `The envelope sender (${bareAddress(envelopeFrom) || "none"}) is not of ${domainOf(from)}: status updates must be sent by your own mail server.` };
  }
  const auth = authenticationVerdict(headers, trustedIds, domainOf(from));
  if (!auth.trusted) return { ok: false, reason: `The sender could not be verified (${auth.reason}). Status updates need DMARC, DKIM or SPF to pass.` };
  return { ok: true, from };
}

export type StaffUpdateOutcome = { ok: true; incidentId: string; created: boolean; status: string; name: string } | { ok: false; reason: string };

/** Posts the update (or creates the incident) as `email:<address>` in the audit log. */
export async function postStaffUpdate(svc: Pick<Services, "db" | "queue">, from: string, subjectText: string, text: string, now: Date): Promise<StaffUpdateOutcome> {
  const subject = parseStatusSubject(subjectText);
  if (!subject.ok) return { ok: false, reason: subject.reason };
  const body = normalizeText(splitFreshText(text.slice(0, 100_000)).fresh, { multiline: true }).slice(0, 10_000);
  if (!body) return { ok: false, reason: "Write the update in the mail's text: it is what the status page shows." };
  const actor = `email:${from}`;
  const incident = subject.incidentId
    ? await incidentById(svc.db, subject.incidentId)
    : ((await openIncidents(svc.db)).find((i) => sameIncidentName(i.name, subject.name)) ?? null);
  try {
    if (!incident) {
      if (subject.incidentId) return { ok: false, reason: `There is no incident ${subject.incidentId}.` };
      if (subject.status === "resolved" || subject.status === "update") {
        return { ok: false, reason: `There is no open incident named "${subject.name}". Start one with [investigating] ${subject.name}.` };
      }
      const name = normalizeText(subject.name).slice(0, 200);
      const id = await openIncident(svc, parseWith(CreateIncidentInput, { name, status: subject.status, impact: subject.impact ?? "minor", body, components: {} }), actor, now);
      return { ok: true, incidentId: id, created: true, status: subject.status, name };
    }
    const status = subject.status === "update" ? incident.status : subject.status;
    await updateIncident(svc, incident.id, parseWith(PostIncidentUpdateInput, { status, body, ...(subject.impact ? { impact: subject.impact } : {}) }), actor, now);
    return { ok: true, incidentId: incident.id, created: false, status, name: incident.name };
  } catch (err) {
    if (err instanceof ApiError && err.status < 500) return { ok: false, reason: err.message };
    throw err;
  }
}

/** The staff member's confirmation, with the incident's public link. */
export async function confirmStaffUpdate(svc: Pick<Services, "db" | "mail" | "config">, to: string, from: string, outcome: Extract<StaffUpdateOutcome, { ok: true }>, now: Date): Promise<void> {
  const link = `${svc.config.publicUrl}/incidents/${outcome.incidentId}`;
  const text = [
    `${outcome.created ? "Incident opened" : "Update posted"}: ${outcome.name} (${outcome.status}).`,
    "",
    `On the status page: ${link}`,
    "",
    `To post the next update, write to ${from} with the subject [<status>] ${outcome.name}`,
    "(investigating, identified, monitoring, resolved, or update to keep the status).",
    "",
    siteConfig.name,
  ].join("\n");
  try {
    const result = await svc.mail.send({ to, from, subject: `${outcome.created ? "Incident opened" : "Update posted"}: ${outcome.name}`.slice(0, 200), text, headers: { "Auto-Submitted": "auto-replied" } });
    if (result.messageId) await recordSentMailStatement(svc.db, { messageId: result.messageId, reportId: null, purpose: "status-confirmation", now: now.toISOString() }).run();
  } catch (err) {
    console.error("email: the status update's confirmation could not be sent", err);
  }
}
