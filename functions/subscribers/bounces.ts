// Bounces of status mails, reported by the inbound-mail side (functions/email parses the
// delivery status notifications that come back): repeated bounces end the subscription, so we
// stop mailing an address that does not take mail.
import type { Services } from "../platform/services";
import { bouncedOut, type BounceKind } from "./bounces.pure";
import { recordBounce, unsubscribe } from "./queries";

export type { BounceKind };

/**
 * Counts a bounce for `address` and unsubscribes it ("bounced") once it has bounced too often
 * (bounces.pure.ts). Returns what happened; an address we do not mail is ignored.
 */
export async function recordSubscriberBounce(
  svc: Pick<Services, "db">,
  address: string,
  kind: BounceKind,
  now: Date,
): Promise<{ known: boolean; unsubscribed: boolean }> {
  const target = address.trim().toLowerCase();
  const rows = await recordBounce(svc.db, target, kind, now.toISOString());
  let unsubscribed = false;
  for (const s of rows) {
    if (s.state !== "unsubscribed" && bouncedOut(s)) unsubscribed = (await unsubscribe(svc.db, s.id, "bounced", now.toISOString())) || unsubscribed;
  }
  return { known: rows.length > 0, unsubscribed };
}
