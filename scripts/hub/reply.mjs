// `npm run hub -- reply <reference> "text"`: answer a reporter; they see it in their private
// view and (when they gave an address) get it by mail.
import { commonUsage, parse, print, withStaffApi } from "../lib/hub.mjs";

export const summary = "reply to a report's reporter";
export const usage = `Usage:
  npm run hub -- reply <reference> "<text>"

${commonUsage}`;

export async function run(args) {
  const { values, positionals } = parse(args, {}, usage);
  const [reference, text] = positionals;
  if (!reference || !text || positionals.length > 2) throw new Error(`reply needs a reference and the text, in quotes.\n\n${usage}`);
  return withStaffApi(values, async (call) => {
    const answer = await call("POST", `/api/admin/reports/${encodeURIComponent(reference)}/messages`, { body: text });
    print(values, answer, `Replied to ${answer.reference}${toldBy(answer.reply)}.`);
  });
}

/** How the reply goes out, as the API said (the reporter's channel, email, or not at all). */
function toldBy(reply) {
  if (!reply?.channel) return reply?.note ? `; not sent: ${reply.note.replace(/\.$/, "")}` : "";
  if (reply.channel === "email") return "; the reporter is told by mail";
  if (reply.channel === "sms") return `; the reporter is told by SMS at ${reply.to}`;
  return `; the reporter is told at ${reply.to}`;
}
