// A bounce of one of our page mails: the page did not reach the person, so that delivery is
// marked failed and their next contact method is tried at once (alerts/delivery.ts). The page
// is found by its Message-ID (deliveries.provider_id), which only the recipient's mail servers
// saw, so a forged bounce cannot fail someone else's page; a bounce that carries only our
// X-Outofband-Delivery header must also name the address that page went to.
import { handleProviderFailure } from "../alerts/delivery";
import type { FanoutServices } from "../alerts/lifecycle";
import { findDelivery, findEmailDeliveriesByProviderIds } from "../alerts/queries";
import { bareAddress } from "./addresses.pure";
import { bounceFacts } from "./dsn.pure";
import type { ParsedMail } from "./parse";

export interface BounceOutcome {
  deliveryId: string | null;
  failedOver: boolean;
  reason: string;
}

const decoder = new TextDecoder();
const textOf = (mail: ParsedMail, types: RegExp) =>
  mail.attachments
    .filter((a) => types.test(a.contentType))
    .map((a) => decoder.decode(a.bytes.subarray(0, 256 * 1024)))
    .join("\n\n") || null;

export async function handleBounce(svc: FanoutServices, mail: ParsedMail, now: Date): Promise<BounceOutcome> {
  const facts = bounceFacts({
    statusText: textOf(mail, /^message\/(global-)?delivery-status$/),
    returned: textOf(mail, /^(message\/rfc822|text\/rfc822-headers|message\/global-headers|message\/global)$/),
    body: mail.text,
  });
  if (!facts.permanent) return { deliveryId: null, failedOver: false, reason: `not a permanent failure: ${facts.reason}` };

  let delivery = (await findEmailDeliveriesByProviderIds(svc.db, facts.messageIds))[0] ?? null;
  if (!delivery) {
    const recipients = new Set(facts.recipients.map((r) => r.recipient).filter((r): r is string => !!r));
    for (const id of facts.deliveryIds) {
      const d = await findDelivery(svc.db, id);
      const target = d?.channel === "email" ? bareAddress((d.target as { address?: string }).address ?? "") : "";
      if (d && target && recipients.has(target)) {
        delivery = d;
        break;
      }
    }
  }
  if (!delivery) return { deliveryId: null, failedOver: false, reason: `not about one of our page mails: ${facts.reason}` };
  const failedOver = await handleProviderFailure(svc, delivery.id, null, `bounced: ${facts.reason}`, now);
  return { deliveryId: delivery.id, failedOver, reason: facts.reason };
}
