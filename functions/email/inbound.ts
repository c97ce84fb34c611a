import PostalMime from "postal-mime";
import { acknowledgeByEmailReply } from "../alerts/email-reply";
import { recordCheckSuccess } from "../assurance/checks";

/** Larger mail is refused at SMTP time, so the sender learns at once that it did not arrive. */
export const MAX_INBOUND_EMAIL_BYTES = 512 * 1024;

async function readRaw(stream: ReadableStream<Uint8Array>): Promise<string> {
  return await new Response(stream).text();
}

function headerValue(raw: string, name: string): string | null {
  // Only the header block, unfolded (RFC 5322 folding: CRLF followed by white space).
  const headerBlock = raw.split(/\r?\n\r?\n/, 1)[0]!.replace(/\r?\n[ \t]+/g, " ");
  const match = new RegExp(`^${name}:[ \\t]*(.*)$`, "im").exec(headerBlock);
  return match ? match[1]!.trim().slice(0, 998) : null;
}

/**
 * Every inbound email is stored first, raw, so that nothing sent to the urgent address is ever
 * lost, whatever happens later in parsing. A repeated delivery of the same Message-ID is
 * recorded once. Then: a reply "ack" to a page mail, from an address that alert was paged to,
 * acknowledges the alert. (Turning other mail into reports is the inbound-email work to come;
 * until then such mail stays stored with state 'received'.)
 */
export async function receiveEmail(message: ForwardableEmailMessage, env: Env, now = new Date()): Promise<void> {
  if (message.rawSize > MAX_INBOUND_EMAIL_BYTES) {
    message.setReject(`Message too large: the limit is ${MAX_INBOUND_EMAIL_BYTES / 1024} KB. Please send the text without attachments.`);
    return;
  }
  const raw = await readRaw(message.raw);
  const messageId = headerValue(raw, "Message-ID") ?? `<generated-${crypto.randomUUID()}@outofband>`;
  await env.DB.prepare(
    `INSERT INTO inbound_emails (id, message_id, mail_from, rcpt_to, subject, raw_size, raw, received_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (message_id) DO NOTHING`,
  )
    .bind(crypto.randomUUID(), messageId, message.from, message.to, headerValue(raw, "Subject"), message.rawSize, raw, now.toISOString())
    .run();
  await recordCheckSuccess(env.DB, "intake:email", now);

  const parsed = await PostalMime.parse(raw);
  const outcome = await acknowledgeByEmailReply(env, { from: message.from, subject: parsed.subject ?? "", text: parsed.text ?? "" }, now);
  if (outcome) {
    await env.DB.prepare("UPDATE inbound_emails SET state = 'processed' WHERE message_id = ?1").bind(messageId).run();
  }
}
