// Which way a staff reply reaches a reporter: the sender registered for the channel the report
// came in by. A channel adapter that can answer (SMS, X, Mastodon, Bluesky, a threaded email
// reply) implements `ReplySender` (functions/reports/replies.ts) in its own folder and adds
// ONE line here. A channel without a sender is answered by email when the reporter gave an
// address; otherwise the reply stays in the thread (their private view) and staff are told
// plainly that it was not sent, never that it was.
import type { ReportChannel } from "../../contract/reports";
import type { Report } from "../reports/queries";
import { smsReplySender } from "../phone/reply";
import { emailReplySender, type ReplySender } from "../reports/replies";
import { socialReplySender } from "../social/staff-replies";

const senders: Partial<Record<ReportChannel, ReplySender>> = {
  web: emailReplySender,
  api: emailReplySender,
  email: emailReplySender,
  sms: smsReplySender,
  x: socialReplySender("x"),
  mastodon: socialReplySender("mastodon"),
  bluesky: socialReplySender("bluesky"),
};

const channelNames: Record<ReportChannel, string> = {
  web: "the web form",
  api: "the API",
  email: "email",
  phone: "phone",
  sms: "SMS",
  x: "X",
  mastodon: "Mastodon",
  bluesky: "Bluesky",
};

export type ReplyRoute =
  | { sender: ReplySender; to: string; note: string | null }
  | { sender: null; to: null; note: string };

/** How a reply to this report would go out, in words staff read before they send it. */
export function replyRouteFor(report: Report): ReplyRoute {
  const own = senders[report.channel];
  const ownTo = own?.reach(report);
  if (own && ownTo) return { sender: own, to: ownTo, note: null };
  const channel = channelNames[report.channel];
  const email = emailReplySender.reach(report);
  if (email) {
    return { sender: emailReplySender, to: email, note: own ? null : `Replies through ${channel} are not available yet: this one goes by email.` };
  }
  return {
    sender: null,
    to: null,
    note: own
      ? `This reporter left no address ${channel} can answer.`
      : `Replies through ${channel} are not available yet and the reporter left no email address: the reply is kept in the thread (their private page) but not sent.${report.reporter.phone ? ` Call them: ${report.reporter.phone}.` : ""}`,
  };
}
