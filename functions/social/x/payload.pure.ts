// X's shapes, turned into InboundMessages. The same mention or DM reaches us in four shapes:
//   - polling, API v2: GET /2/users/:id/mentions (posts + includes.users) and GET /2/dm_events;
//   - Account Activity API webhooks: v1.1 `tweet_create_events` and `direct_message_events`
//     (with a `users` map), for `for_user_id`;
//   - X Activity API webhooks: `{ data: { event_type, payload, includes } }`, where
//     post.mention.create carries a v2 post and dm.received the v1.1 DM events.
// Every shape yields the same id for the same post or DM event, so storage deduplicates across
// them. Everything is validated item by item: a malformed item is skipped (and counted), it
// never takes the rest of the payload down with it.
import * as z from "zod";
import type { InboundMessage } from "../message.pure";
import { messageLimits } from "../message.pure";

const id = z.string().regex(/^\d{1,30}$/);

export const V2User = z.object({ id, username: z.string().min(1).max(50), name: z.string().max(200).optional() });
export type V2User = z.infer<typeof V2User>;

export const V2Post = z.object({
  id,
  text: z.string().max(messageLimits.text),
  author_id: id,
  created_at: z.string().optional(),
  conversation_id: id.optional(),
  referenced_tweets: z.array(z.object({ type: z.string(), id })).optional(),
});
export type V2Post = z.infer<typeof V2Post>;

export const V2DmEvent = z.object({
  id,
  event_type: z.string(),
  text: z.string().max(messageLimits.text).optional(),
  sender_id: id.optional(),
  dm_conversation_id: z.string().max(200).optional(),
  created_at: z.string().optional(),
});
export type V2DmEvent = z.infer<typeof V2DmEvent>;

const V1User = z.object({ id_str: id, screen_name: z.string().min(1).max(50), name: z.string().max(200).optional() });
const V1Tweet = z.object({
  id_str: id,
  text: z.string().max(messageLimits.text).optional(),
  full_text: z.string().max(messageLimits.text).optional(),
  extended_tweet: z.object({ full_text: z.string().max(messageLimits.text) }).optional(),
  created_at: z.string().optional(),
  timestamp_ms: z.string().regex(/^\d+$/).optional(),
  user: V1User,
  in_reply_to_status_id_str: id.nullable().optional(),
  retweeted_status: z.unknown().optional(),
});
const V1DmEvent = z.object({
  type: z.string(),
  id,
  created_timestamp: z.string().regex(/^\d+$/).optional(),
  message_create: z
    .object({
      target: z.object({ recipient_id: id }).optional(),
      sender_id: id,
      message_data: z.object({ text: z.string().max(messageLimits.text) }),
    })
    .optional(),
});
/** AAA: { id: { id, screen_name, name } }; X Activity API: { id: { data: { id, username, name } } }. */
const UsersMap = z.record(z.string(), z.unknown());

export function postUrl(username: string, postId: string): string {
  return `https://x.com/${username}/status/${postId}`;
}

function iso(value: string | undefined, fallback: Date): string {
  if (value && /^\d+$/.test(value)) return new Date(Number(value)).toISOString();
  const at = value ? Date.parse(value) : NaN;
  return Number.isNaN(at) ? fallback.toISOString() : new Date(at).toISOString();
}

/**
 * X returns a post's text with `&`, `<` and `>` as `&amp;`, `&lt;` and `&gt;` (every client
 * library's issue tracker has the report). Decoded in one pass, so "&amp;lt;" becomes "&lt;" as
 * the customer typed it; the text is escaped again wherever it is shown.
 */
export function postText(raw: string): string {
  return raw.replace(/&(amp|lt|gt);/g, (_, name: string) => (name === "amp" ? "&" : name === "lt" ? "<" : ">"));
}

/** A v2 post (polling, X Activity API) as a mention. */
export function fromV2Post(post: V2Post, users: ReadonlyMap<string, V2User>, self: string, receivedAt: Date): InboundMessage {
  const author = users.get(post.author_id);
  const handle = author?.username ?? post.author_id;
  return {
    id: post.id,
    kind: "mention",
    authorId: post.author_id,
    authorHandle: handle,
    authorName: author?.name ?? null,
    text: postText(post.text),
    createdAt: iso(post.created_at, receivedAt),
    conversationId: post.conversation_id ?? null,
    inReplyToId: post.referenced_tweets?.find((r) => r.type === "replied_to")?.id ?? null,
    isRepost: post.referenced_tweets?.some((r) => r.type === "retweeted") ?? false,
    fromSelf: post.author_id === self,
    url: postUrl(handle, post.id),
    replyRef: null,
  };
}

/** A v2 DM event (polling) as a direct message; null for other event types (joins, leaves). */
export function fromV2DmEvent(event: V2DmEvent, users: ReadonlyMap<string, V2User>, self: string, receivedAt: Date): InboundMessage | null {
  if (event.event_type !== "MessageCreate" || !event.sender_id) return null;
  const sender = users.get(event.sender_id);
  return {
    id: event.id,
    kind: "direct",
    authorId: event.sender_id,
    authorHandle: sender?.username ?? event.sender_id,
    authorName: sender?.name ?? null,
    text: event.text ?? "",
    createdAt: iso(event.created_at, receivedAt),
    conversationId: event.dm_conversation_id ?? null,
    inReplyToId: null,
    isRepost: false,
    fromSelf: event.sender_id === self,
    url: null,
    replyRef: null,
  };
}

export function usersById(users: unknown): Map<string, V2User> {
  const map = new Map<string, V2User>();
  if (!Array.isArray(users)) return map;
  for (const u of users) {
    const parsed = V2User.safeParse(u);
    if (parsed.success) map.set(parsed.data.id, parsed.data);
  }
  return map;
}

/** A users map of either webhook flavour, as v2 users. */
function usersFromMap(map: unknown): Map<string, V2User> {
  const out = new Map<string, V2User>();
  const parsed = UsersMap.safeParse(map);
  if (!parsed.success) return out;
  for (const value of Object.values(parsed.data)) {
    const inner = (value as { data?: unknown } | null)?.data ?? value;
    const v2 = V2User.safeParse(inner);
    if (v2.success) {
      out.set(v2.data.id, v2.data);
      continue;
    }
    const v1 = z.object({ id: id, screen_name: z.string().min(1).max(50), name: z.string().max(200).optional() }).safeParse(inner);
    if (v1.success) out.set(v1.data.id, { id: v1.data.id, username: v1.data.screen_name, name: v1.data.name });
  }
  return out;
}

function fromV1Tweet(t: z.infer<typeof V1Tweet>, self: string, receivedAt: Date): InboundMessage {
  return {
    id: t.id_str,
    kind: "mention",
    authorId: t.user.id_str,
    authorHandle: t.user.screen_name,
    authorName: t.user.name ?? null,
    text: postText(t.extended_tweet?.full_text ?? t.full_text ?? t.text ?? ""),
    createdAt: iso(t.timestamp_ms ?? t.created_at, receivedAt),
    // v1.1 objects carry no conversation id; a reply is still matched by the post it answers.
    conversationId: null,
    inReplyToId: t.in_reply_to_status_id_str ?? null,
    isRepost: t.retweeted_status !== undefined && t.retweeted_status !== null,
    fromSelf: t.user.id_str === self,
    url: postUrl(t.user.screen_name, t.id_str),
    replyRef: null,
  };
}

function fromV1DmEvent(e: z.infer<typeof V1DmEvent>, users: ReadonlyMap<string, V2User>, self: string, receivedAt: Date): InboundMessage | null {
  if (e.type !== "message_create" || !e.message_create) return null;
  const senderId = e.message_create.sender_id;
  const sender = users.get(senderId);
  return {
    id: e.id,
    kind: "direct",
    authorId: senderId,
    authorHandle: sender?.username ?? senderId,
    authorName: sender?.name ?? null,
    text: e.message_create.message_data.text,
    createdAt: iso(e.created_timestamp, receivedAt),
    conversationId: null,
    inReplyToId: null,
    isRepost: false,
    fromSelf: senderId === self,
    url: null,
    replyRef: null,
  };
}

export interface ParsedWebhook {
  messages: InboundMessage[];
  /** Items we did not understand (skipped). */
  malformed: number;
  /** Events of kinds we do not act on (likes, follows, typing indicators...). */
  ignored: number;
  /** X Activity API event types seen (billed per event delivered). */
  events: string[];
}

/** Account Activity API and X Activity API deliveries, as InboundMessages for our account. */
export function parseWebhook(body: unknown, self: string, receivedAt: Date): ParsedWebhook {
  const out: ParsedWebhook = { messages: [], malformed: 0, ignored: 0, events: [] };
  if (!body || typeof body !== "object") return { ...out, malformed: 1 };
  const root = body as Record<string, unknown>;

  // X Activity API: one event per delivery.
  const data = root.data as Record<string, unknown> | undefined;
  if (data && typeof data === "object" && typeof data.event_type === "string") {
    const type = data.event_type;
    out.events.push(type);
    const payload = data.payload as Record<string, unknown> | undefined;
    const includes = data.includes as Record<string, unknown> | undefined;
    if (type === "post.mention.create" || type === "post.reply.create" || type === "post.quote.create") {
      const post = V2Post.safeParse(payload);
      if (!post.success) return { ...out, malformed: 1 };
      out.messages.push(fromV2Post(post.data, usersById(includes?.users), self, receivedAt));
    } else if (type === "dm.received") {
      const users = usersFromMap(payload?.users);
      for (const e of Array.isArray(payload?.direct_message_events) ? payload.direct_message_events : []) {
        const parsed = V1DmEvent.safeParse(e);
        if (!parsed.success) out.malformed++;
        else {
          const m = fromV1DmEvent(parsed.data, users, self, receivedAt);
          if (m) out.messages.push(m);
          else out.ignored++;
        }
      }
    } else {
      out.ignored++;
    }
    return out;
  }

  // Account Activity API: events of several kinds in one delivery, for one subscribed user.
  const forUser = typeof root.for_user_id === "string" ? root.for_user_id : self;
  if (forUser !== self) return { ...out, ignored: 1 };
  for (const t of Array.isArray(root.tweet_create_events) ? root.tweet_create_events : []) {
    const parsed = V1Tweet.safeParse(t);
    if (parsed.success) out.messages.push(fromV1Tweet(parsed.data, self, receivedAt));
    else out.malformed++;
  }
  const users = usersFromMap(root.users);
  for (const e of Array.isArray(root.direct_message_events) ? root.direct_message_events : []) {
    const parsed = V1DmEvent.safeParse(e);
    if (!parsed.success) {
      out.malformed++;
      continue;
    }
    const m = fromV1DmEvent(parsed.data, users, self, receivedAt);
    if (m) out.messages.push(m);
    else out.ignored++;
  }
  const known = new Set(["for_user_id", "tweet_create_events", "direct_message_events", "users", "user_has_blocked"]);
  out.ignored += Object.keys(root).filter((k) => !known.has(k)).length;
  return out;
}
