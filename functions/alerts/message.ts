// What a page says. Every channel sends the same facts: what is wrong (component or subject),
// how many reports, the first report's words, and how to acknowledge. The text form fits two
// SMS segments, so it reads whole on any phone.
export const MAX_TEXT_CHARS = 306;

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
}

export function alertTitle(f: Pick<MessageFacts, "component" | "subject">): string {
  return f.component ? `${f.component}: ${f.subject}` : f.subject;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** Cuts at a word boundary when possible and marks the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return "…".slice(0, max);
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(" ");
  return `${space > max * 0.6 ? cut.slice(0, space) : cut}…`;
}

/** The page as plain text, at most MAX_TEXT_CHARS (the ack link is never cut). */
export function alertText(f: MessageFacts): string {
  const reports = `${f.reportCount} report${f.reportCount === 1 ? "" : "s"}`;
  const head = `[${f.siteName}] ALERT ${f.ackCode}: ${oneLine(alertTitle(f))}`;
  const tail = ` Ack: ${f.ackUrl}${f.replyHint ? " or reply 4" : ""}`;
  const fixed = `${head} (${reports}). ""${tail}`;
  const room = MAX_TEXT_CHARS - fixed.length;
  if (room < 20) {
    // A long title: shorten the title, drop the quote.
    const shortHead = truncate(head, Math.max(20, MAX_TEXT_CHARS - tail.length - reports.length - 4));
    return `${shortHead} (${reports}).${tail}`;
  }
  return `${head} (${reports}). "${truncate(oneLine(f.firstText), room)}"${tail}`;
}
