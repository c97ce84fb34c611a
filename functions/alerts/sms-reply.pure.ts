// What an SMS reply to a page means. Pure: the words only; who sent it is decided with storage
// (alerts/sms-reply.ts). Twilio's hotline number receives both on-call replies and customers'
// messages, so the grammar is deliberately narrow: "4", "ACK" or "ACK <code>", nothing else.

/** A reply that asks to acknowledge: "4", "ack", "ACK 7KQ2M" (case and a final . or ! aside). */
export function parseAckReply(body: string): { code: string | null } | null {
  const match = /^(?:4|ack)(?:\s+([a-z0-9]{3,8}))?[.!]?$/i.exec(body.trim());
  if (!match) return null;
  return { code: match[1]?.toUpperCase() ?? null };
}

/** Phone numbers compared as Twilio sends them (E.164), ignoring spaces a person typed. */
export function sameNumber(a: string, b: string): boolean {
  const norm = (n: string) => n.replace(/[\s().-]/g, "");
  return norm(a) !== "" && norm(a) === norm(b);
}
