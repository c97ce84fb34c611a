// What a page says. Every channel sends the same facts: what is wrong (component or subject),
// how many reports, the first report's words, who needs help, and how to acknowledge. The text
// form fits two SMS segments, so it reads whole on any phone.
//
// Who needs help: at 3 a.m. the person paged must be able to call the reporter back without
// opening anything. Personal channels (email, SMS, voice, Pushover, Telegram: one person's
// device) carry the first report's reference and the reporter's name, phone and email; shared
// channels (Slack, Discord, Teams, ntfy topics, webhooks) carry the reference only, and staff
// open the report from there: a chat room or a topic is no place for a customer's details.
import { truncate } from "../platform/text.pure";

export { truncate };
export const MAX_TEXT_CHARS = 306;

/** The first report of an alert and how to reach its reporter. */
export interface ReporterContact {
  reference: string;
  name: string | null;
  email: string | null;
  phone: string | null;
}

export interface MessageFacts {
  siteName: string;
  ackCode: string;
  component: string | null;
  subject: string;
  reportCount: number;
  firstText: string;
  ackUrl: string;
  /** Whether replying "4" to this message acknowledges (SMS only). */
  replyHint?: boolean;
  /** The first report: its reference, and on personal channels its reporter's contact. */
  reporter?: ReporterContact | null;
  /** True on personal channels: the reporter's contact details may be shown. */
  personal?: boolean;
}

/** How many reports an alert has, in words; an alert with none was raised by a check (a
 * monitor, a heartbeat, the assurance watch, the weekly test page), and says so. */
export function reportsPhrase(count: number): string {
  return count === 0 ? "Raised by a check (no reports)" : `${count} report${count === 1 ? "" : "s"}`;
}

/** What introduces the alert's first text: a customer's words, or the check's. */
export function firstLabel(count: number): string {
  return count === 0 ? "The check says" : "The first report says";
}

/** "R-7K3M9Q2X Ada Customer, +31 20 123 4567, ada@example.com" (personal) or "R-7K3M9Q2X". */
export function reporterLine(reporter: ReporterContact | null | undefined, personal: boolean): string {
  if (!reporter) return "";
  if (!personal) return reporter.reference;
  const who = [reporter.name, reporter.phone, reporter.email].filter((v): v is string => Boolean(v)).map(oneLine);
  return who.length > 0 ? `${reporter.reference} ${who.join(", ")}` : reporter.reference;
}

export function alertTitle(f: Pick<MessageFacts, "component" | "subject">): string {
  return f.component ? `${f.component}: ${f.subject}` : f.subject;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}


/** The page as plain text, at most MAX_TEXT_CHARS (the ack link and the reporter's contact
 * are never cut: the quote and then the title give way first). */
export function alertText(f: MessageFacts): string {
  const reports = f.reportCount === 0 ? "raised by a check" : reportsPhrase(f.reportCount);
  const head = `[${f.siteName}] ALERT ${f.ackCode}: ${oneLine(alertTitle(f))}`;
  const who = reporterLine(f.reporter, f.personal === true);
  const whoPart = who ? ` ${truncate(who, 120)}.` : "";
  const tail = ` Ack: ${f.ackUrl}${f.replyHint ? " or reply 4" : ""}`;
  const fixed = `${head} (${reports}).${whoPart} ""${tail}`;
  const room = MAX_TEXT_CHARS - fixed.length;
  if (room < 20) {
    // A long title: shorten the title, drop the quote.
    const shortHead = truncate(head, Math.max(20, MAX_TEXT_CHARS - tail.length - whoPart.length - reports.length - 4));
    return `${shortHead} (${reports}).${whoPart}${tail}`;
  }
  return `${head} (${reports}).${whoPart} "${truncate(oneLine(f.firstText), room)}"${tail}`;
}

export interface DigestLine {
  ackCode: string;
  title: string;
  reportCount: number;
  reason: "held" | "ceiling" | "known_incident" | "followup";
  /** How many times it came up since the last digest (reports, follow-ups). */
  count: number;
  open: boolean;
}

const reasonWords: Record<DigestLine["reason"], string> = {
  held: "raised while you handle another alert",
  ceiling: "not paged: you reached your pages for this hour",
  known_incident: "about a known incident",
  followup: "follow-up from the reporter",
};

/** The digest as plain text: one line per alert, within `max` characters, the link kept. */
export function digestText(siteName: string, lines: DigestLine[], ackAllUrl: string, max = MAX_TEXT_CHARS * 2): string {
  const open = lines.filter((l) => l.open);
  const head = `[${siteName}] DIGEST: ${lines.length} item${lines.length === 1 ? "" : "s"}, ${open.length} alert${open.length === 1 ? "" : "s"} still open.`;
  const tail = open.length > 0 ? ` Ack all open: ${ackAllUrl}` : "";
  let body = "";
  let shown = 0;
  for (const l of lines) {
    const reports = l.reportCount === 0 ? "raised by a check" : reportsPhrase(l.reportCount);
    const part = ` ${l.ackCode} ${oneLine(l.title)} (${reports}${l.count > 1 ? `, ${l.count} new` : ""}; ${reasonWords[l.reason]}${l.open ? "" : "; closed"}).`;
    const more = lines.length - shown - 1;
    const reserve = more > 0 ? ` and ${more} more.`.length : 0;
    if (head.length + body.length + part.length + reserve + tail.length > max) break;
    body += part;
    shown++;
  }
  const rest = lines.length - shown;
  return `${head}${body}${rest > 0 ? ` and ${rest} more.` : ""}${tail}`;
}

/** A reporter's follow-up as a notice: whose report, their words, where to answer. */
export function followUpText(f: { siteName: string; ackCode: string; reporter: ReporterContact | null; personal: boolean; body: string; ackUrl: string }): string {
  const who = reporterLine(f.reporter, f.personal);
  const head = `[${f.siteName}] FOLLOW-UP ${f.ackCode}${who ? ` ${truncate(who, 120)}` : ""}:`;
  const tail = ` Open: ${f.ackUrl}`;
  const room = MAX_TEXT_CHARS - head.length - tail.length - 3;
  return `${head} "${truncate(oneLine(f.body), Math.max(20, room))}"${tail}`;
}
