// What a mention or direct message becomes. The rules, in order:
//   1. our own posts and DMs are ignored (they come back in the same feeds);
//   2. reposts are ignored (a boost of someone's complaint is not a new complaint);
//   3. a direct message always becomes a report (or a follow-up);
//   4. a mention becomes one when it contains a configured keyword (none configured: always).
// Whether it is a new report or a follow-up on an open one needs storage (inbound.ts asks with
// `followUpScope`): a direct message from someone whose report is still open (within a day)
// adds to it, and so does a reply in the same conversation as their open report, or to one of
// our answers to it. Anything else from them is a new report: a new post is a new problem
// statement, and intake's duplicate rule already catches the same words twice.
import type { NewReportInput } from "../../contract/reports";
import type { InboundMessage, NetworkName } from "./message.pure";

export type Triage = { action: "consider" } | { action: "ignore"; reason: string };

export const networkLabels: Record<NetworkName, string> = { x: "X", mastodon: "Mastodon", bluesky: "Bluesky" };

/** A direct message within this long of an open report from the same person adds to it. */
export const DIRECT_FOLLOWUP_HOURS = 24;
/** Subjects are cut here (the whole text is the report's message). */
export const SUBJECT_MAX = 100;

export function triage(msg: InboundMessage, keywords: readonly string[]): Triage {
  if (msg.fromSelf) return { action: "ignore", reason: "our own post" };
  if (msg.isRepost) return { action: "ignore", reason: "a repost" };
  if (msg.kind === "direct") return { action: "consider" };
  if (keywords.length > 0 && !matchesKeyword(withoutLeadingMentions(msg.text), keywords)) return { action: "ignore", reason: "no keyword" };
  return { action: "consider" };
}

/** A keyword matches as a whole word or phrase, in any case ("down" is not in "download"). */
export function matchesKeyword(text: string, keywords: readonly string[]): boolean {
  const haystack = text.normalize("NFKC").toLowerCase();
  return keywords.some((k) => {
    const needle = k.normalize("NFKC").toLowerCase().trim();
    if (!needle) return false;
    const escaped = needle.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return new RegExp(`(?<![\\p{L}\\p{N}_])${escaped}(?![\\p{L}\\p{N}_])`, "u").test(haystack);
  });
}

/** "@ExampleHosting @other all my sites are down" → "all my sites are down". Replies on X and
 * Mastodon start with the handles they answer; inline mentions stay. */
export function withoutLeadingMentions(text: string): string {
  return text.replace(/^(\s*@[\w.@-]+)+\s*/u, "").trim();
}

/** What storage must look for to decide between a follow-up and a new report. */
export interface FollowUpScope {
  network: NetworkName;
  authorId: string;
  /** Direct messages: any open report of theirs from this network created since then. */
  directSince: string | null;
  /** Mentions: an open report of theirs in this conversation, or answered by the post replied to. */
  conversationId: string | null;
  inReplyToId: string | null;
}

export function followUpScope(network: NetworkName, msg: InboundMessage, now: Date): FollowUpScope {
  return {
    network,
    authorId: msg.authorId,
    directSince: msg.kind === "direct" ? new Date(now.getTime() - DIRECT_FOLLOWUP_HOURS * 3_600_000).toISOString() : null,
    conversationId: msg.kind === "mention" ? msg.conversationId : null,
    inReplyToId: msg.kind === "mention" ? msg.inReplyToId : null,
  };
}

export function subjectOf(network: NetworkName, msg: InboundMessage): string {
  const firstLine = withoutLeadingMentions(msg.text).split("\n").find((l) => l.trim() !== "") ?? "";
  const line = firstLine.replace(/\s+/g, " ").trim();
  if ([...line].length < 3) return `${networkLabels[network]} ${msg.kind === "direct" ? "direct message" : "mention"} from @${msg.authorHandle}`;
  return cut(line, SUBJECT_MAX);
}

/** The intake input for a message: the whole text, where it came from, who wrote it. */
export function reportInput(network: NetworkName, msg: InboundMessage, incidentId: string | null): NewReportInput {
  const what = msg.kind === "direct" ? "direct message" : "mention";
  const source = `(${networkLabels[network]} ${what} from @${msg.authorHandle}${msg.url ? `: ${msg.url}` : ""})`;
  const text = msg.text.trim();
  return {
    channel: network,
    urgency: "high",
    reporter: {
      name: msg.authorName ? cut(msg.authorName, 200) : null,
      xHandle: network === "x" ? msg.authorHandle : null,
      socialHandle: network === "x" ? null : msg.authorHandle,
    },
    subject: subjectOf(network, msg),
    message: cut(text ? `${text}\n\n${source}` : source, 10_000),
    channelMessageId: msg.id,
    incidentId,
  };
}

/** A follow-up's text in the report's thread. */
export function followUpBody(network: NetworkName, msg: InboundMessage): string {
  const what = msg.kind === "direct" ? "direct message" : "reply";
  return cut(`${msg.text.trim() || "(no text)"}\n\n(${networkLabels[network]} ${what} from @${msg.authorHandle}${msg.url ? `: ${msg.url}` : ""})`, 10_000);
}

function cut(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  const head = chars.slice(0, max - 1).join("");
  const space = head.lastIndexOf(" ");
  return `${space > max * 0.6 ? head.slice(0, space) : head}…`;
}
