// Sending what is queued in social_posts: replies, private answers and update threads. Each
// send claims its row first (a repeated run never sends twice), a thread's posts go out in
// order, each replying to the one before, and a failure is retried with backoff (retryable
// ones: 429 at the time X gave, 5xx, timeouts) or recorded as failed; either way it shows in
// assurance as `social:<network>:post` and never touches the status update or the report it
// answers. At X's spend cap optional posts are skipped; answers to direct messages are not.
import { recordCheckFailure, recordCheckSuccess } from "../assurance/queries";
import type { Services } from "../platform/services";
import {
  claimPost,
  duePosts,
  markPostFinal,
  markPostRetry,
  markPostSentStatement,
  skipOptionalQueuedPosts,
  threadNeighbours,
  usageStatements,
  type SocialPost,
} from "./queries";
import { contextFor, isConfigured } from "./registry";
import { spendOf } from "./spend";
import type { Usage } from "./spend.pure";
import { SocialApiError, type OutboundPost, type SocialNetwork } from "./types";

/** Posts sent per run; a job with more due sends itself again. */
export const SEND_BATCH = 10;
/** A claim older than this was a send that died mid-way; it is tried again (twice beats never). */
export const SEND_LEASE_MS = 5 * 60_000;
/** Attempts before a post counts as failed. */
export const MAX_SEND_ATTEMPTS = 8;

export function sendBackoffMs(attempts: number): number {
  return Math.min(60, 2 ** Math.max(0, attempts - 1)) * 60_000;
}

/** What one post costs on a billed network: X bills a post with a link far above one without. */
export function usageOfPost(post: Pick<SocialPost, "kind" | "hasLink">): Usage {
  if (post.kind === "private") return { dm_create: 1 };
  return post.hasLink ? { post_create_url: 1 } : { post_create: 1 };
}

export interface SendRun {
  sent: number;
  retrying: number;
  failed: number;
  skipped: number;
  /** More posts were due than this run took. */
  more: boolean;
}

export type SendServices = Pick<Services, "db" | "channelSettings">;

export async function sendDuePosts(svc: SendServices, network: SocialNetwork, now: Date, opts: { limit?: number; timeoutMs?: number } = {}): Promise<SendRun> {
  const run: SendRun = { sent: 0, retrying: 0, failed: 0, skipped: 0, more: false };
  const settings = svc.channelSettings;
  if (!isConfigured(network, settings)) {
    run.skipped += await skipOptionalQueuedPosts(svc.db, network.name, `${network.label} is not configured (${network.requiredSettings.join(", ")})`);
    return run;
  }
  if (network.billed && (await spendOf(svc.db, network, settings, now)).capReached) {
    run.skipped += await skipOptionalQueuedPosts(svc.db, network.name, "the monthly spend cap is reached");
  }
  const nowIso = now.toISOString();
  const staleBefore = new Date(now.getTime() - SEND_LEASE_MS).toISOString();
  const limit = opts.limit ?? SEND_BATCH;
  const due = await duePosts(svc.db, network.name, nowIso, staleBefore, limit + 1);
  run.more = due.length > limit;
  const ctx = contextFor(svc.db, network, settings, now, opts.timeoutMs);
  const threadsBusy = new Set<string>();
  for (const post of due.slice(0, limit)) {
    // Within one run a thread moves one post at a time: the next waits for this one's id.
    if (post.threadKey && threadsBusy.has(post.threadKey)) {
      run.more = true;
      continue;
    }
    if (!(await claimPost(svc.db, post.id, nowIso, staleBefore))) continue;
    if (post.threadKey) threadsBusy.add(post.threadKey);
    let outbound: OutboundPost;
    try {
      outbound = await resolve(svc.db, post);
    } catch (err) {
      await markPostFinal(svc.db, { id: post.id, state: "failed", error: err instanceof Error ? err.message : String(err) });
      run.failed++;
      continue;
    }
    try {
      const sent = await network.send(ctx, outbound);
      await svc.db.batch([
        markPostSentStatement(svc.db, { id: post.id, remoteId: sent.remoteId, remoteRef: sent.remoteRef, now: nowIso }),
        ...usageStatements(svc.db, network.name, usageOfPost(post), now),
      ]);
      await recordCheckSuccess(svc.db, `social:${network.name}:post`, now, { kind: post.kind });
      run.sent++;
      // The thread's next post was waiting for this one: another run takes it at once.
      if (post.threadKey) run.more = true;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const retryable = err instanceof SocialApiError ? err.retryable : true;
      if (retryable && post.attempts + 1 < MAX_SEND_ATTEMPTS) {
        const retryAt = err instanceof SocialApiError && err.retryAt && err.retryAt > nowIso ? err.retryAt : null;
        await markPostRetry(svc.db, { id: post.id, nextAttemptAt: retryAt ?? new Date(now.getTime() + sendBackoffMs(post.attempts + 1)).toISOString(), error: message });
        run.retrying++;
      } else {
        await markPostFinal(svc.db, { id: post.id, state: "failed", error: message });
        run.failed++;
        // The thread goes on from its last post that went out.
        if (post.threadKey) run.more = true;
      }
      await recordCheckFailure(svc.db, `social:${network.name}:post`, now, `${post.kind} ${post.id}: ${message}`);
    }
  }
  return run;
}

/** The post as the adapter needs it: an update continues its thread from the last post sent. */
async function resolve(db: D1Database, post: SocialPost): Promise<OutboundPost> {
  const base = { id: post.id, kind: post.kind, text: post.body, recipient: post.recipientId ? { id: post.recipientId, handle: post.recipientHandle } : null };
  if (!post.threadKey) {
    return { ...base, replyTo: post.replyTo ? { id: post.replyTo, ref: post.replyRef } : null, threadRoot: null };
  }
  const { root, previous } = await threadNeighbours(db, post.network, post.threadKey, post.seq);
  const ref = (p: SocialPost | null) => (p?.remoteId ? { id: p.remoteId, ref: p.remoteRef ? { cid: p.remoteRef } : null } : null);
  return { ...base, replyTo: ref(previous), threadRoot: ref(root) };
}
