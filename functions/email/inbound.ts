import PostalMime from "postal-mime";
import { acknowledgeByEmailReply } from "../alerts/email-reply";
import { recordCheckSuccess } from "../assurance/queries";
import { buildServices } from "../platform/services";
import { runJob } from "../queue/consumer";
import { markInboundEmailProcessed, storeInboundEmail } from "./queries";

/** Larger mail is refused at SMTP time, so the sender learns at once that it did not arrive. */
export const MAX_INBOUND_EMAIL_BYTES = 512 * 1024;

/**
 * Every inbound email is stored first, raw, so that nothing sent to the urgent address is ever
 * lost, whatever happens later in parsing. A repeated delivery of the same Message-ID is
 * recorded once. Then: a reply "ack" to a page mail, from an address that alert was paged to,
 * acknowledges the alert. (Turning other mail into reports is the inbound-email work to come;
 * until then such mail stays stored with state 'received'.)
 */
export async function receiveEmail(message: ForwardableEmailMessage, env: Env, ctx?: ExecutionContext, now = new Date()): Promise<void> {
  const svc = buildServices(env, ctx ? (work) => ctx.waitUntil(work) : undefined, runJob);
  if (message.rawSize > MAX_INBOUND_EMAIL_BYTES) {
    message.setReject(`Message too large: the limit is ${MAX_INBOUND_EMAIL_BYTES / 1024} KB. Please send the text without attachments.`);
    return;
  }
  const raw = await new Response(message.raw).text();
  // The platform has parsed the headers already; the raw text is kept whole.
  const messageId = message.headers.get("message-id")?.trim().slice(0, 998) || `<generated-${crypto.randomUUID()}@outofband>`;
  const subject = message.headers.get("subject")?.slice(0, 998) ?? null;
  await storeInboundEmail(svc.db, { messageId, from: message.from, to: message.to, subject, rawSize: message.rawSize, raw, now });
  await recordCheckSuccess(svc.db, "intake:email", now);

  const parsed = await PostalMime.parse(raw);
  const outcome = await acknowledgeByEmailReply(svc, { from: message.from, subject: parsed.subject ?? "", text: parsed.text ?? "" }, now);
  if (outcome) await markInboundEmailProcessed(svc.db, messageId);
}
