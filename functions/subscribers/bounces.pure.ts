// When bounces end an email subscription. A hard bounce (the mailbox does not exist, the
// domain does not take mail) twice means the address is gone: mailing it further only hurts
// the sending domain's reputation with every receiver. Soft bounces (a full mailbox, a server
// busy) say less each, so it takes more of them.

export const HARD_BOUNCES_TO_UNSUBSCRIBE = 2;
export const SOFT_BOUNCES_TO_UNSUBSCRIBE = 5;

export type BounceKind = "hard" | "soft";

export function bouncedOut(counts: { hardBounces: number; softBounces: number }): boolean {
  return counts.hardBounces >= HARD_BOUNCES_TO_UNSUBSCRIBE || counts.softBounces >= SOFT_BOUNCES_TO_UNSUBSCRIBE;
}

/** Webhooks, Slack and Teams answering "gone" (4xx other than 408/429) this many times in a row are unsubscribed. */
export const PERMANENT_FAILURES_TO_UNSUBSCRIBE = 3;
