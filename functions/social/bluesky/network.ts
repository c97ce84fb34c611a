// Bluesky through the AT Protocol's XRPC endpoints, called with fetch (@atproto/api would add
// about 246 KiB gzipped to the Worker for the handful of calls below):
//   in:  app.bsky.notification.listNotifications (reasons mention and reply), newest first,
//        read back to the newest one handled before (the cursor is its indexedAt);
//        chat.bsky.convo.getLog for direct messages, forward from its cursor.
//   out: com.atproto.repo.createRecord for posts (reply refs name the thread's root and the
//        post answered; links are facets positioned in UTF-8 bytes), chat.bsky.convo.sendMessage
//        for private answers. 300 graphemes a post.
// Polling only: Bluesky has no webhooks (its firehose is a websocket, for relays).
import * as z from "zod";
import type { InboundMessage } from "../message.pure";
import { defineNetwork, SocialApiError, type PollStep } from "../types";
import { blueskyLength, linkFacets, postWebUrl } from "./richtext.pure";
import { blueskySession, xrpc, type BlueskySettings } from "./session";

const PAGE_SIZE = 50;

const StrongRef = z.object({ uri: z.string().min(1).max(512), cid: z.string().min(1).max(256) });
const Author = z.object({ did: z.string().min(1).max(256), handle: z.string().min(1).max(253), displayName: z.string().max(640).optional() });
export const BlueskyNotification = z.object({
  uri: z.string().min(1).max(512),
  cid: z.string().min(1).max(256),
  author: Author,
  reason: z.string(),
  record: z.object({
    $type: z.string().optional(),
    text: z.string().max(10_000).default(""),
    createdAt: z.string().optional(),
    reply: z.object({ root: StrongRef, parent: StrongRef }).optional(),
  }),
  indexedAt: z.string(),
});
const ChatMessage = z.object({
  $type: z.string().optional(),
  id: z.string().min(1).max(256),
  text: z.string().max(10_000).default(""),
  sender: z.object({ did: z.string().min(1).max(256) }),
  sentAt: z.string(),
});
const ChatLog = z.object({ $type: z.string(), convoId: z.string().min(1).max(256), message: z.unknown().optional() });
const ConvoMember = z.object({ did: z.string(), handle: z.string(), displayName: z.string().optional() });

interface NotificationsCursor {
  watermark: string;
}
interface NotificationsWalk {
  top: string;
  cursor: string;
}

export function fromBlueskyNotification(n: z.infer<typeof BlueskyNotification>, selfDid: string): InboundMessage | null {
  if ((n.reason !== "mention" && n.reason !== "reply") || (n.record.$type && n.record.$type !== "app.bsky.feed.post")) return null;
  const self = { uri: n.uri, cid: n.cid };
  return {
    id: n.uri,
    kind: "mention",
    authorId: n.author.did,
    authorHandle: n.author.handle,
    authorName: n.author.displayName?.trim() || null,
    text: n.record.text,
    createdAt: new Date(Date.parse(n.record.createdAt ?? "") || Date.parse(n.indexedAt)).toISOString(),
    conversationId: n.record.reply?.root.uri ?? n.uri,
    inReplyToId: n.record.reply?.parent.uri ?? null,
    isRepost: false,
    fromSelf: n.author.did === selfDid,
    url: postWebUrl(n.author.handle, n.uri),
    replyRef: { uri: n.uri, cid: n.cid, root: n.record.reply?.root ?? self },
  };
}

const settings = ["BLUESKY_SERVICE", "BLUESKY_HANDLE", "BLUESKY_APP_PASSWORD", "BLUESKY_CHAT_SERVICE"] as const satisfies readonly (keyof BlueskySettings)[];

export const blueskyNetwork = defineNetwork({
  name: "bluesky",
  label: "Bluesky",
  settings,
  requiredSettings: ["BLUESKY_HANDLE", "BLUESKY_APP_PASSWORD"],
  streams: [
    { name: "notifications", optional: false },
    { name: "chat", optional: false },
  ],
  billed: false,
  linksCostExtra: false,
  length: () => blueskyLength,
  // chat.bsky.convo.defs#messageInput: at most 1,000 graphemes.
  privateLength: () => ({ max: 1000, measure: blueskyLength.measure }),
  accountKey: (s) => `${(s.BLUESKY_SERVICE || "https://bsky.social").replace(/^https?:\/\//, "").replace(/\/+$/, "")}/${s.BLUESKY_HANDLE}`,

  async poll(ctx, stream, state): Promise<PollStep> {
    return stream === "chat" ? pollChat(ctx, state) : pollNotifications(ctx, state);
  },

  async send(ctx, post) {
    if (post.kind === "private") {
      if (!post.recipient) throw new SocialApiError("Bluesky: a private answer needs the account to write to.", { status: null, retryable: false });
      const convo = await xrpc(ctx, "chat.bsky.convo.getConvoForMembers", { query: new URLSearchParams({ members: post.recipient.id }), chat: true });
      const convoId = (convo.answer.json as { convo?: { id?: unknown } } | null)?.convo?.id;
      if (typeof convoId !== "string") throw new SocialApiError("Bluesky: no conversation with that account.", { status: convo.answer.status, retryable: false });
      const sent = await xrpc(ctx, "chat.bsky.convo.sendMessage", { body: { convoId, message: { text: post.text, facets: linkFacets(post.text) } }, chat: true });
      const id = (sent.answer.json as { id?: unknown } | null)?.id;
      if (typeof id !== "string") throw new SocialApiError("Bluesky: the message has no id.", { status: sent.answer.status, retryable: false });
      return { remoteId: id, remoteRef: convoId, usage: {} };
    }
    const record: Record<string, unknown> = { $type: "app.bsky.feed.post", text: post.text, createdAt: ctx.now.toISOString(), langs: ["en"] };
    const facets = linkFacets(post.text);
    if (facets.length > 0) record.facets = facets;
    const reply = replyRefs(post);
    if (reply) record.reply = reply;
    const { did } = await blueskySession(ctx);
    const { answer } = await xrpc(ctx, "com.atproto.repo.createRecord", { body: { repo: did, collection: "app.bsky.feed.post", record } });
    const out = StrongRef.safeParse(answer.json);
    if (!out.success) throw new SocialApiError("Bluesky: createRecord answered without uri and cid.", { status: answer.status, retryable: false });
    return { remoteId: out.data.uri, remoteRef: out.data.cid, usage: {} };
  },
});

type Ctx = Parameters<typeof blueskyNetwork.poll>[0];

/** Reply refs: the post answered is the parent; the root is its thread's first post. */
function replyRefs(post: { kind: string; replyTo: { id: string; ref: Record<string, unknown> | null } | null; threadRoot: { id: string; ref: Record<string, unknown> | null } | null }) {
  if (!post.replyTo) return null;
  const cid = post.replyTo.ref?.cid;
  if (typeof cid !== "string") return null;
  const parent = { uri: post.replyTo.id, cid };
  if (post.kind === "update") {
    const rootCid = post.threadRoot?.ref?.cid;
    return { root: post.threadRoot && typeof rootCid === "string" ? { uri: post.threadRoot.id, cid: rootCid } : parent, parent };
  }
  const root = StrongRef.safeParse(post.replyTo.ref?.root);
  return { root: root.success ? root.data : parent, parent };
}

async function pollNotifications(ctx: Ctx, state: { cursor: string | null; walk: string | null }): Promise<PollStep> {
  const cursor = state.cursor ? (JSON.parse(state.cursor) as NotificationsCursor) : null;
  const walk = state.walk ? (JSON.parse(state.walk) as NotificationsWalk) : null;
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  query.append("reasons", "mention");
  query.append("reasons", "reply");
  if (walk) query.set("cursor", walk.cursor);
  const { answer, session } = await xrpc(ctx, "app.bsky.notification.listNotifications", { query });
  const body = answer.json as { notifications?: unknown[]; cursor?: unknown } | null;
  const items = (body?.notifications ?? []).flatMap((n) => {
    const parsed = BlueskyNotification.safeParse(n);
    return parsed.success ? [parsed.data] : [];
  });
  const watermark = cursor?.watermark ?? null;
  // Same-instant notifications at the watermark are read again: storage deduplicates them.
  const fresh = items.filter((n) => !watermark || n.indexedAt >= watermark);
  const reached = watermark !== null && items.some((n) => n.indexedAt < watermark);
  const messages = fresh.flatMap((n) => fromBlueskyNotification(n, session.did) ?? []);
  const top = walk?.top ?? items.reduce<string | null>((max, n) => (max === null || n.indexedAt > max ? n.indexedAt : max), null) ?? watermark;
  const next = typeof body?.cursor === "string" ? body.cursor : null;
  const first = !cursor;
  if (!first && !reached && next && items.length > 0) {
    return { messages, next: { cursor: state.cursor, walk: JSON.stringify({ top: top ?? "", cursor: next } satisfies NotificationsWalk) }, done: false, first, usage: {}, rateLimit: answer.rateLimit };
  }
  // None at all yet: from now on everything is new.
  const mark = top ?? ctx.now.toISOString();
  return { messages, next: { cursor: JSON.stringify({ watermark: mark } satisfies NotificationsCursor), walk: null }, done: true, first, usage: {}, rateLimit: answer.rateLimit };
}

/** The chat log forward from its cursor; until a cursor is committed, only recent messages count. */
async function pollChat(ctx: Ctx, state: { cursor: string | null; walk: string | null }): Promise<PollStep> {
  const position = state.walk ?? state.cursor;
  const cursor = position ? (JSON.parse(position) as { cursor: string }).cursor : null;
  const query = cursor ? new URLSearchParams({ cursor }) : undefined;
  const { answer, session } = await xrpc(ctx, "chat.bsky.convo.getLog", { query, chat: true });
  const body = answer.json as { logs?: unknown[]; cursor?: unknown } | null;
  const logs = (body?.logs ?? []).flatMap((l) => {
    const parsed = ChatLog.safeParse(l);
    return parsed.success ? [parsed.data] : [];
  });
  const created = logs.flatMap((l) => {
    if (l.$type !== "chat.bsky.convo.defs#logCreateMessage") return [];
    const m = ChatMessage.safeParse(l.message);
    return m.success && (!m.data.$type || m.data.$type === "chat.bsky.convo.defs#messageView") ? [{ convoId: l.convoId, message: m.data }] : [];
  });
  // The log names senders by DID only: their handles come from the conversations.
  const members = new Map<string, { handle: string; displayName?: string | undefined }>();
  for (const convoId of new Set(created.filter((c) => c.message.sender.did !== session.did).map((c) => c.convoId))) {
    const convo = await xrpc(ctx, "chat.bsky.convo.getConvo", { query: new URLSearchParams({ convoId }), chat: true });
    const list = (convo.answer.json as { convo?: { members?: unknown[] } } | null)?.convo?.members ?? [];
    for (const m of list) {
      const parsed = ConvoMember.safeParse(m);
      if (parsed.success) members.set(parsed.data.did, parsed.data);
    }
  }
  const messages: InboundMessage[] = created.map(({ convoId, message }) => ({
    id: `chat:${message.id}`,
    kind: "direct",
    authorId: message.sender.did,
    authorHandle: members.get(message.sender.did)?.handle ?? message.sender.did,
    authorName: members.get(message.sender.did)?.displayName?.trim() || null,
    text: message.text,
    createdAt: new Date(Date.parse(message.sentAt) || ctx.now.getTime()).toISOString(),
    conversationId: convoId,
    inReplyToId: null,
    isRepost: false,
    fromSelf: message.sender.did === session.did,
    url: null,
    replyRef: { convoId },
  }));
  const nextCursor = typeof body?.cursor === "string" ? body.cursor : cursor;
  const done = logs.length === 0 || nextCursor === cursor;
  const saved = nextCursor ? JSON.stringify({ cursor: nextCursor }) : null;
  const first = !state.cursor;
  // The first walk commits its cursor only at its end, so every page of it counts as "first".
  if (!done && first) return { messages, next: { cursor: null, walk: saved }, done, first, usage: {}, rateLimit: answer.rateLimit };
  return { messages, next: { cursor: saved ?? state.cursor, walk: null }, done, first, usage: {}, rateLimit: answer.rateLimit };
}
