// X: mentions of the support account (GET /2/users/:id/mentions, since_id cursor, pagination,
// author expansion) and direct messages (GET /2/dm_events) by polling, and the same pushed to
// /hooks/x (webhook.ts); public replies and update threads (POST /2/tweets) and DMs
// (POST /2/dm_conversations/with/:id/messages). Paid per use: every post and user object read
// and every write is counted (social_usage) against the operator's cap.
import { defineNetwork, SocialApiError, type PollStep, type StreamState } from "../types";
import { rateLimitOf, toSocialError, withDeadline, xClient, xSelfId } from "./client";
import { xLength } from "./length.pure";
import { fromV2DmEvent, fromV2Post, usersById, V2DmEvent, V2Post } from "./payload.pure";
import { checkXWebhook } from "./webhook-check";
import { CRC_RECORD_EVERY_MS, X_CRC_CHECK, xWebhookRoutes } from "./webhook";

/** X's largest page for both timelines. */
const PAGE_SIZE = 100;

interface MentionsCursor {
  /** The newest mention stored; null while there has been none since polling began. */
  sinceId: string | null;
  /** When polling began: without a since_id, older mentions are not ours to file. */
  since: string;
}
interface Walk {
  /** The newest id of the walk's first page: the cursor once the walk is done. */
  newestId: string | null;
  token: string;
}
interface DmCursor {
  newestSeen: string;
}

function parseJson<T>(value: string | null): T | null {
  if (!value) return null;
  try {
    return JSON.parse(value) as T;
  } catch {
    return null;
  }
}

const isNewer = (a: string, b: string) => BigInt(a) > BigInt(b);

const settings = ["X_API_BASE", "X_CONSUMER_KEY", "X_CONSUMER_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET", "X_USER_ID", "X_BEARER_TOKEN"] as const;

export const xNetwork = defineNetwork({
  name: "x",
  label: "X",
  settings,
  requiredSettings: ["X_CONSUMER_KEY", "X_CONSUMER_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET"],
  // Mention reads are optional (they stop at the spend cap; webhooks still deliver them);
  // customers' direct messages are always read.
  streams: [
    { name: "mentions", optional: true },
    { name: "dms", optional: false },
  ],
  billed: true,
  linksCostExtra: true,
  length: () => xLength,
  // https://docs.x.com/x-api/direct-messages: a DM holds up to 10,000 characters.
  privateLength: () => ({ max: 10_000, measure: (text) => [...text].length }),
  // X answers 403 to a DM the recipient does not accept (closed DMs, not following us).
  privateRefused: (err) => err.status === 403,
  accountKey: (s) => xSelfId(s) ?? "unknown",
  routes: xWebhookRoutes,
  webhookCheck: checkXWebhook,
  webhookAnswered: { check: X_CRC_CHECK, everyMs: CRC_RECORD_EVERY_MS },

  async poll(ctx, stream, state): Promise<PollStep> {
    const self = xSelfId(ctx.settings);
    if (!self) throw new SocialApiError("X: set X_USER_ID or an OAuth 1.0a X_ACCESS_TOKEN (which starts with the account id).", { status: null, retryable: false });
    const client = xClient(ctx.settings);
    try {
      return stream === "mentions" ? await pollMentions(client, self, state, ctx.now, ctx.timeoutMs) : await pollDms(client, self, state, ctx.now, ctx.timeoutMs);
    } catch (err) {
      throw toSocialError(err, ctx.now);
    }
  },

  async send(ctx, post) {
    const client = xClient(ctx.settings);
    try {
      if (post.kind === "private") {
        if (!post.recipient) throw new SocialApiError("X: a DM needs a recipient.", { status: null, retryable: false });
        const res = await withDeadline(
          client.v2.post<{ data: { dm_event_id: string; dm_conversation_id: string } }>(`dm_conversations/with/${post.recipient.id}/messages`, { text: post.text }, { timeout: ctx.timeoutMs, forceBodyMode: "json" }),
          ctx.timeoutMs,
        );
        return { remoteId: res.data.dm_event_id, remoteRef: res.data.dm_conversation_id, usage: { dm_create: 1 } };
      }
      const body: Record<string, unknown> = { text: post.text };
      if (post.replyTo) body.reply = { in_reply_to_tweet_id: post.replyTo.id };
      const res = await withDeadline(client.v2.post<{ data: { id: string } }>("tweets", body, { timeout: ctx.timeoutMs, forceBodyMode: "json" }), ctx.timeoutMs);
      return { remoteId: res.data.id, remoteRef: null, usage: {} };
    } catch (err) {
      throw toSocialError(err, ctx.now);
    }
  },
});

type Client = ReturnType<typeof xClient>;

interface V2Page {
  data?: unknown[];
  includes?: { users?: unknown[] };
  meta?: { result_count?: number; newest_id?: string; oldest_id?: string; next_token?: string };
}

/**
 * Mentions newest first, since the committed since_id, paging back with next_token; the
 * cursor moves to the walk's newest id only when the walk reached its end. The first poll ever
 * reads one page and starts from its newest post.
 */
async function pollMentions(client: Client, self: string, state: StreamState, now: Date, timeoutMs: number): Promise<PollStep> {
  const cursor = parseJson<MentionsCursor>(state.cursor);
  const walk = parseJson<Walk>(state.walk);
  const first = !cursor && !walk;
  const query: Record<string, string | number> = {
    max_results: PAGE_SIZE,
    expansions: "author_id",
    "tweet.fields": "created_at,conversation_id,referenced_tweets,author_id",
    "user.fields": "username,name",
  };
  if (cursor?.sinceId) query.since_id = cursor.sinceId;
  if (walk) query.pagination_token = walk.token;
  const res = await withDeadline(client.v2.get<V2Page>(`users/${self}/mentions`, query, { fullResponse: true, timeout: timeoutMs }), timeoutMs);
  const users = usersById(res.data.includes?.users);
  const posts = (res.data.data ?? []).flatMap((p) => {
    const parsed = V2Post.safeParse(p);
    return parsed.success ? [parsed.data] : [];
  });
  const since = cursor && !cursor.sinceId ? Date.parse(cursor.since) : null;
  const messages = posts.map((p) => fromV2Post(p, users, self, now)).filter((m) => since === null || Date.parse(m.createdAt) >= since);
  const meta = res.data.meta ?? {};
  const usage = { post_read: (res.data.data ?? []).length, user_read: (res.data.includes?.users ?? []).length };
  const rateLimit = rateLimitOf(res.rateLimit);
  const began = cursor?.since ?? now.toISOString();
  const at = (sinceId: string | null) => JSON.stringify({ sinceId, since: began } satisfies MentionsCursor);
  // The first poll reads one page and starts from its newest mention (or from now, when none).
  if (first) return { messages, next: { cursor: at(meta.newest_id ?? null), walk: null }, done: true, first, usage, rateLimit };
  const newest = walk ? walk.newestId : (meta.newest_id ?? null);
  // Without a since_id (no mention since polling began) the walk stops at the first older post.
  const reachedStart = since !== null && posts.some((p) => Date.parse(p.created_at ?? "") < since);
  if (meta.next_token && posts.length > 0 && !reachedStart) {
    return { messages, next: { cursor: state.cursor, walk: JSON.stringify({ newestId: newest, token: meta.next_token } satisfies Walk) }, done: false, first, usage, rateLimit };
  }
  return { messages, next: { cursor: at(newest ?? cursor?.sinceId ?? null), walk: null }, done: true, first, usage, rateLimit };
}

/**
 * DM events newest first (the endpoint has no since_id): pages are read until one reaches the
 * newest event seen before; that event's successor becomes the new mark when the walk ends.
 */
async function pollDms(client: Client, self: string, state: StreamState, now: Date, timeoutMs: number): Promise<PollStep> {
  const cursor = parseJson<DmCursor>(state.cursor);
  const walk = parseJson<Walk>(state.walk);
  const first = !cursor && !walk;
  const query: Record<string, string | number> = {
    max_results: PAGE_SIZE,
    event_types: "MessageCreate",
    "dm_event.fields": "id,text,event_type,created_at,sender_id,dm_conversation_id",
    expansions: "sender_id",
    "user.fields": "username,name",
  };
  if (walk) query.pagination_token = walk.token;
  const res = await withDeadline(client.v2.get<V2Page>("dm_events", query, { fullResponse: true, timeout: timeoutMs }), timeoutMs);
  const users = usersById(res.data.includes?.users);
  const events = (res.data.data ?? []).flatMap((e) => {
    const parsed = V2DmEvent.safeParse(e);
    return parsed.success ? [parsed.data] : [];
  });
  const seen = cursor?.newestSeen ?? null;
  const fresh = events.filter((e) => !seen || isNewer(e.id, seen));
  const reachedSeen = seen !== null && events.some((e) => !isNewer(e.id, seen));
  const messages = fresh.flatMap((e) => fromV2DmEvent(e, users, self, now) ?? []);
  const top = walk?.newestId ?? events[0]?.id ?? seen;
  const usage = { dm_read: (res.data.data ?? []).length, user_read: (res.data.includes?.users ?? []).length };
  const rateLimit = rateLimitOf(res.rateLimit);
  const token = res.data.meta?.next_token;
  if (!first && !reachedSeen && token && events.length > 0) {
    return { messages, next: { cursor: state.cursor, walk: JSON.stringify({ newestId: top, token } satisfies Walk) }, done: false, first, usage, rateLimit };
  }
  // An inbox with no DMs yet starts from "nothing seen": every later DM is new.
  return { messages, next: { cursor: JSON.stringify({ newestSeen: top ?? "0" } satisfies DmCursor), walk: null }, done: true, first, usage, rateLimit };
}
