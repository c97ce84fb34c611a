// How the fan-out to subscribers stays far below the Worker's limits per invocation. A queue
// consumer invocation gets up to QUEUE_BATCH_SIZE messages (wrangler.toml max_batch_size); each
// subscribers.deliver message sends to at most a chunk of one channel. Workers limit
// subrequests per invocation: on the free plan 50 external (fetch) and 1,000 to Cloudflare
// services (D1, queues, send_email); on paid plans 10,000 (older docs and plans: 1,000 in all).
// The chunks are sized so that a whole batch of them stays far below the strictest of these.

/** wrangler.toml [[queues.consumers]] max_batch_size of the fan-out queue (a test keeps them equal). */
export const QUEUE_BATCH_SIZE = 10;

/** Recipients per delivery message, by channel: mail goes through the send_email binding (a
 * Cloudflare service), the others are external fetches (the 50 of the free plan). */
export const CHUNK_SIZE = { email: 25, webhook: 2, slack: 2, teams: 2 } as const;

/**
 * D1 calls one delivery message makes at most: the event, the incident (2, when not cached in
 * the isolate), the page state (2, webhooks only), the subscribers, the claim, the outcomes.
 */
export const D1_CALLS_PER_DELIVERY = 8;

/** The most subrequests one queue invocation of delivery messages can make, by kind. */
export function worstCaseInvocation(): { cloudflareServices: number; external: number } {
  const mails = QUEUE_BATCH_SIZE * CHUNK_SIZE.email;
  const hooks = QUEUE_BATCH_SIZE * Math.max(CHUNK_SIZE.webhook, CHUNK_SIZE.slack, CHUNK_SIZE.teams);
  return { cloudflareServices: mails + QUEUE_BATCH_SIZE * D1_CALLS_PER_DELIVERY, external: hooks };
}

/** Splits ids into chunks of `size`, in order. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
