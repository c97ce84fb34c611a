// Polling, on the cron: each stream of each configured network is read a page at a time from
// its cursor. A page's messages and the cursor that follows them are stored in ONE D1 batch,
// so the cursor never moves past anything that was not stored, and a failure (429, 5xx, a
// timeout) leaves it where it was: the next poll repeats the page, and storage deduplicates.
// The provider's rate-limit window is respected (at zero remaining, polling waits for its
// reset; after a 429, until the time it gave) and errors back off exponentially.
import { recordCheckFailure, recordCheckSuccess } from "../assurance/queries";
import type { Services } from "../platform/services";
import { insertInboundStatement, readStream, recordStreamFailure, saveStreamStatement, usageStatements } from "./queries";
import { contextFor } from "./registry";
import { spendOf } from "./spend";
import { SocialApiError, type SocialNetwork, type StreamState } from "./types";

/** Pages read per stream per poll (X: 100 mentions a page); the rest waits for the next minute. */
export const MAX_PAGES_PER_POLL = 25;
/** The first poll of a stream (no cursor yet) takes only what is this recent. */
export const BACKFILL_MINUTES = 60;
/** Backoff after consecutive failures: 1, 2, 4, 8, then 15 minutes. */
export function backoffMs(failures: number): number {
  return Math.min(15, 2 ** Math.max(0, failures - 1)) * 60_000;
}

export interface StreamPollResult {
  stream: string;
  pages: number;
  stored: number;
  /** Why the stream was not read now. */
  skipped: string | null;
  error: string | null;
}

export type PollServices = Pick<Services, "db" | "queue" | "channelSettings">;

export async function pollNetwork(svc: PollServices, network: SocialNetwork, now: Date, opts: { maxPages?: number } = {}): Promise<StreamPollResult[]> {
  const settings = svc.channelSettings;
  const nowIso = now.toISOString();
  const account = network.accountKey(settings);
  const ctx = contextFor(svc.db, network, settings, now);
  const capReached = network.billed && network.streams.some((s) => s.optional) ? (await spendOf(svc.db, network, settings, now)).capReached : false;
  const results: StreamPollResult[] = [];
  for (const spec of network.streams) {
    const key = `${spec.name}:${account}`;
    const result: StreamPollResult = { stream: spec.name, pages: 0, stored: 0, skipped: null, error: null };
    results.push(result);
    if (capReached && spec.optional) {
      result.skipped = "the monthly spend cap is reached";
      continue;
    }
    const row = await readStream(svc.db, network.name, key);
    if (row?.nextPollAt && row.nextPollAt > nowIso) {
      result.skipped = `waiting until ${row.nextPollAt}`;
      continue;
    }
    let state: StreamState = { cursor: row?.cursor ?? null, walk: row?.walk ?? null };
    for (let page = 0; page < (opts.maxPages ?? MAX_PAGES_PER_POLL); page++) {
      let step;
      try {
        step = await network.poll(ctx, spec.name, state);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        const retryAt = err instanceof SocialApiError ? err.retryAt : null;
        const nextPollAt = retryAt && retryAt > nowIso ? retryAt : new Date(now.getTime() + backoffMs((row?.failures ?? 0) + 1)).toISOString();
        await recordStreamFailure(svc.db, { network: network.name, stream: key, nextPollAt, error: message, now: nowIso });
        await recordCheckFailure(svc.db, `social:${network.name}:poll`, now, `${spec.name}: ${message}`);
        result.error = message;
        break;
      }
      result.pages++;
      const since = now.getTime() - BACKFILL_MINUTES * 60_000;
      const messages = step.first ? step.messages.filter((m) => Date.parse(m.createdAt) >= since) : step.messages;
      const waitUntil = step.rateLimit && step.rateLimit.remaining <= 0 && step.rateLimit.resetAt > nowIso ? step.rateLimit.resetAt : null;
      const batch = await svc.db.batch<{ message_id: string }>([
        ...messages.map((m) => insertInboundStatement(svc.db, network.name, m, "poll", nowIso)),
        saveStreamStatement(svc.db, { network: network.name, stream: key, cursor: step.next.cursor, walk: step.next.walk, nextPollAt: waitUntil, now: nowIso }),
        ...usageStatements(svc.db, network.name, step.usage, now),
      ]);
      result.stored += batch.slice(0, messages.length).filter((r) => r.results.length > 0).length;
      state = step.next;
      if (step.done || waitUntil) break;
    }
    if (!result.error) await recordCheckSuccess(svc.db, `social:${network.name}:poll`, now, { stream: spec.name, pages: result.pages, stored: result.stored });
  }
  if (results.some((r) => r.stored > 0)) await svc.queue.dispatch({ type: "social.inbound", network: network.name });
  return results;
}
