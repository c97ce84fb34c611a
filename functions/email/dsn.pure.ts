// Bounces: which of our mails did not arrive, and why. A delivery status notification
// (RFC 3464) has a machine-readable part per recipient (Final-Recipient, Action, Status) and
// the original message or its headers; older servers write prose and quote the original
// below it. Either way we look for the Message-ID of our page mail and the delivery header
// our email channel adds (X-Outofband-Delivery).
import { bareAddress } from "./addresses.pure";
import { firstHeader, parseHeaderBlock } from "./headers.pure";

export interface RecipientStatus {
  recipient: string | null;
  action: string | null;
  status: string | null;
  diagnostic: string | null;
}

/** The per-recipient fields of a message/delivery-status part. */
export function parseDeliveryStatus(text: string): RecipientStatus[] {
  const blocks = text.replace(/\r\n?/g, "\n").split(/\n\s*\n/);
  const out: RecipientStatus[] = [];
  for (const block of blocks.slice(1)) {
    const h = parseHeaderBlock(block);
    const recipient = firstHeader(h, "final-recipient") ?? firstHeader(h, "original-recipient");
    if (!recipient && !firstHeader(h, "action")) continue;
    out.push({
      recipient: recipient ? bareAddress(recipient.replace(/^[a-z0-9-]+\s*;\s*/i, "")) : null,
      action: firstHeader(h, "action")?.toLowerCase() ?? null,
      status: firstHeader(h, "status"),
      diagnostic: firstHeader(h, "diagnostic-code")?.replace(/^[a-z0-9-]+\s*;\s*/i, "").slice(0, 500) ?? null,
    });
  }
  return out;
}

export interface BounceFacts {
  /** Message-IDs that may be our original's (from the returned headers, then any in the text). */
  messageIds: string[];
  /** Delivery ids named by an X-Outofband-Delivery header in the returned headers. */
  deliveryIds: string[];
  recipients: RecipientStatus[];
  /** A permanent failure (Action: failed, or a 5.x.x status, or prose without a DSN part). */
  permanent: boolean;
  reason: string;
}

const MESSAGE_ID = /<[^<>\s@]{1,200}@[^<>\s@]{1,200}>/g;

/**
 * What a bounce says: `statusText` is the message/delivery-status part (if any), `returned`
 * the returned message or its headers (message/rfc822 or text/rfc822-headers), `body` the
 * prose. Non-standard bounces quote the original in the body: its Message-IDs are candidates.
 */
export function bounceFacts(parts: { statusText: string | null; returned: string | null; body: string }): BounceFacts {
  const recipients = parts.statusText ? parseDeliveryStatus(parts.statusText) : [];
  const returnedHeaders = parts.returned ? parseHeaderBlock(parts.returned.split(/\r?\n\r?\n/)[0] ?? "") : [];
  const ids: string[] = [];
  const own = firstHeader(returnedHeaders, "message-id");
  if (own) ids.push(...(own.match(MESSAGE_ID) ?? []));
  for (const m of parts.body.slice(0, 200_000).match(MESSAGE_ID) ?? []) if (!ids.includes(m)) ids.push(m);
  const deliveryIds = [firstHeader(returnedHeaders, "x-outofband-delivery"), ...[...parts.body.slice(0, 200_000).matchAll(/^X-Outofband-Delivery:\s*(\S+)\s*$/gim)].map((m) => m[1]!)]
    .filter((v): v is string => !!v)
    .map((v) => v.trim())
    .filter((v, i, all) => v.length <= 200 && all.indexOf(v) === i);
  const failed = recipients.filter((r) => r.action === "failed" || /^5\./.test(r.status ?? ""));
  const delayedOnly = recipients.length > 0 && failed.length === 0;
  const first = failed[0] ?? recipients[0];
  const reason = first
    ? [first.status, first.diagnostic].filter(Boolean).join(" ") || first.action || "undeliverable"
    : (/\b[45]\.\d{1,3}\.\d{1,3}\b[^\n]{0,200}/.exec(parts.body)?.[0] ?? "the mail server says it could not deliver the mail");
  return { messageIds: ids.slice(0, 20), deliveryIds: deliveryIds.slice(0, 5), recipients, permanent: !delayedOnly, reason: reason.slice(0, 300) };
}
