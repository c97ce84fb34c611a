// Which intake address a mail was sent to, and which addresses are our own. Email Routing
// delivers each recipient to the Worker separately (`message.to`); plus-addressing
// (urgent+web12@) belongs to its base address.
import type { EmailIntakeEntry } from "../../contract/email-intake";

/** The address inside "Name <a@b>" (or the input), lower-cased and trimmed. */
export function bareAddress(value: string | null | undefined): string {
  const v = (value ?? "").trim();
  const inside = /<([^<>]*)>\s*$/.exec(v)?.[1] ?? v;
  return inside.trim().replace(/^mailto:/i, "").toLowerCase();
}

/** The base address: lower-cased, without a +subaddress. */
export function baseAddress(value: string): string {
  const a = bareAddress(value);
  const at = a.lastIndexOf("@");
  if (at <= 0) return a;
  const local = a.slice(0, at).split("+")[0]!;
  return `${local}${a.slice(at)}`;
}

export function domainOf(address: string): string {
  const a = bareAddress(address);
  return a.slice(a.lastIndexOf("@") + 1);
}

export interface IntakeMatch {
  entry: EmailIntakeEntry;
  /** True when the recipient is not listed and the first report address stands in for it. */
  fallback: boolean;
}

/**
 * The intake entry a recipient belongs to. An address that is not listed (a catch-all rule, a
 * renamed address, the MAIL_FROM address receiving replies) is handled as the first `report`
 * address, and without any configuration as a report address of its own with no forwards:
 * mail that reached this Worker is never dropped for want of configuration.
 */
export function intakeEntryFor(entries: readonly EmailIntakeEntry[], recipient: string): IntakeMatch {
  const to = baseAddress(recipient);
  const exact = entries.find((e) => baseAddress(e.address) === to);
  if (exact) return { entry: exact, fallback: false };
  const firstReport = entries.find((e) => e.purpose === "report");
  if (firstReport) return { entry: firstReport, fallback: true };
  return {
    entry: { address: to, purpose: "report", urgency: "high", component: null, forwardTo: [], autoReply: true, staff: [] },
    fallback: true,
  };
}

/** Our own addresses: every intake address and MAIL_FROM, the senders of everything this
 * Worker mails. Mail from them is our own mail coming back (a loop), never a report. (A
 * forward destination sending a mail back keeps its Message-ID, which is stored once.) */
export function ownAddresses(entries: readonly EmailIntakeEntry[], mailFrom: string): Set<string> {
  const all = new Set<string>();
  for (const e of entries) all.add(baseAddress(e.address));
  if (mailFrom) all.add(baseAddress(mailFrom));
  return all;
}
