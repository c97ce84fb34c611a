// A loopback stand-in for a Bluesky PDS (and the chat service behind its atproto-proxy), with the
// XRPC shapes of com.atproto.server.createSession/refreshSession (tokens that expire: a stale
// access token is 400 ExpiredToken), app.bsky.notification.listNotifications (newest first,
// reasons filter, opaque cursor), com.atproto.repo.createRecord (400 over 300 graphemes, facets
// checked against the text's UTF-8 bytes, reply refs need uri and cid), and
// chat.bsky.convo.getLog/getConvo/getConvoForMembers/sendMessage (only with the atproto-proxy
// header). ratelimit-* headers on every answer; 429 when a window is used up. Runs in Node.
//
// Each test has its own PDS: BLUESKY_SERVICE = <fake>/bluesky/<world>. Control endpoints under
// /bluesky/<world>/__control/: POST mention {text, author?, reply?}, POST dm {text, author?},
// POST expire-session, POST closed-dms {did}, POST rate {remaining, resetInSeconds?}, GET state.
import type { ProviderFake, RecordedRequest, ScriptedResponse } from "../../../test/fakes/types";
import { graphemeLength } from "./richtext.pure";

interface Profile {
  did: string;
  handle: string;
  displayName: string;
}
interface StrongRef {
  uri: string;
  cid: string;
}
interface Notification {
  uri: string;
  cid: string;
  author: Profile;
  reason: string;
  record: { $type: "app.bsky.feed.post"; text: string; createdAt: string; reply?: { root: StrongRef; parent: StrongRef } };
  isRead: boolean;
  indexedAt: string;
  labels: [];
}
interface ChatMessage {
  $type: "chat.bsky.convo.defs#messageView";
  id: string;
  rev: string;
  text: string;
  sender: { did: string };
  sentAt: string;
}
export interface BlueskyWorld {
  self: Profile;
  /** Tokens issued, with their expiry (seconds): the fake checks what it issued. */
  tokens: Map<string, { kind: "access" | "refresh"; exp: number }>;
  sessionsCreated: number;
  notifications: Notification[];
  posts: Array<{ uri: string; cid: string; record: Record<string, unknown> }>;
  convos: Map<string, { id: string; members: Profile[] }>;
  log: Array<{ $type: string; rev: string; convoId: string; message: ChatMessage }>;
  sent: ChatMessage[];
  closed: Set<string>;
  window: { limit: number; remaining: number; resetAt: number };
}

const worlds = new Map<string, BlueskyWorld>();
const B32 = "abcdefghijklmnopqrstuvwxyz234567";
const random = (n: number) => Array.from({ length: n }, () => B32[Math.floor(Math.random() * 32)]).join("");
let clock = 0;
/** A TID-like record key / rev: sortable by time, unique. */
function tid(): string {
  clock = Math.max(clock + 1, Date.now() * 1000);
  let n = BigInt(clock) << 10n;
  let out = "";
  for (let i = 0; i < 13; i++) {
    out = "234567abcdefghijklmnopqrstuvwxyz"[Number(n & 31n)] + out;
    n >>= 5n;
  }
  return out;
}
const did = () => `did:plc:${random(24)}`;
const cid = () => `bafyrei${random(52)}`;

function jwt(sub: string, exp: number): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${part({ typ: "at+jwt", alg: "ES256K" })}.${part({ scope: "com.atproto.appPass", sub, iat: Math.floor(Date.now() / 1000), exp, aud: "did:web:fake.pds" })}.${random(40)}`;
}

export function blueskyWorld(name: string): BlueskyWorld {
  let world = worlds.get(name);
  if (!world) {
    world = {
      self: { did: did(), handle: "status.example-hosting.test", displayName: "Example Hosting status" },
      tokens: new Map(),
      sessionsCreated: 0,
      notifications: [],
      posts: [],
      convos: new Map(),
      log: [],
      sent: [],
      closed: new Set(),
      window: { limit: 3000, remaining: 3000, resetAt: Date.now() + 300_000 },
    };
    worlds.set(name, world);
  }
  return world;
}

function issue(world: BlueskyWorld) {
  const now = Math.floor(Date.now() / 1000);
  const accessJwt = jwt(world.self.did, now + 7200);
  const refreshJwt = jwt(world.self.did, now + 60 * 86400);
  world.tokens.set(accessJwt, { kind: "access", exp: now + 7200 });
  world.tokens.set(refreshJwt, { kind: "refresh", exp: now + 60 * 86400 });
  return { did: world.self.did, handle: world.self.handle, accessJwt, refreshJwt, active: true };
}

function profile(p?: Partial<Profile>): Profile {
  const handle = p?.handle ?? `customer-${random(6)}.bsky.social`;
  return { did: p?.did ?? did(), handle, displayName: p?.displayName ?? "A Customer" };
}

export function addBlueskyMention(world: BlueskyWorld, m: { text: string; author?: Partial<Profile>; reply?: { root: StrongRef; parent: StrongRef }; reason?: string }): Notification {
  const author = profile(m.author);
  const at = new Date().toISOString();
  const n: Notification = {
    uri: `at://${author.did}/app.bsky.feed.post/${tid()}`,
    cid: cid(),
    author,
    reason: m.reason ?? (m.reply ? "reply" : "mention"),
    record: { $type: "app.bsky.feed.post", text: m.text, createdAt: at, ...(m.reply ? { reply: m.reply } : {}) },
    isRead: false,
    indexedAt: at,
    labels: [],
  };
  world.notifications.push(n);
  return n;
}

function convoWith(world: BlueskyWorld, other: Profile) {
  for (const c of world.convos.values()) if (c.members.some((m) => m.did === other.did)) return c;
  const convo = { id: random(13), members: [world.self, other] };
  world.convos.set(convo.id, convo);
  return convo;
}

export function addBlueskyDm(world: BlueskyWorld, d: { text: string; author?: Partial<Profile> }): ChatMessage {
  const author = profile(d.author);
  const convo = convoWith(world, author);
  const rev = tid();
  const message: ChatMessage = { $type: "chat.bsky.convo.defs#messageView", id: tid(), rev, text: d.text, sender: { did: author.did }, sentAt: new Date().toISOString() };
  world.log.push({ $type: "chat.bsky.convo.defs#logCreateMessage", rev, convoId: convo.id, message });
  return message;
}

const xrpcError = (status: number, error: string, message: string): ScriptedResponse => ({ status, body: { error, message } });

function control(world: BlueskyWorld, action: string, req: RecordedRequest): ScriptedResponse {
  const body = req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {};
  switch (action) {
    case "mention":
      return { status: 201, body: { data: addBlueskyMention(world, body as Parameters<typeof addBlueskyMention>[1]) } };
    case "dm": {
      const message = addBlueskyDm(world, body as Parameters<typeof addBlueskyDm>[1]);
      return { status: 201, body: { data: message } };
    }
    case "expire-session":
      for (const [token, t] of world.tokens) if (t.kind === "access") world.tokens.set(token, { ...t, exp: 0 });
      return { status: 200, body: { data: { expired: true } } };
    case "closed-dms":
      world.closed.add(String(body.did));
      return { status: 200, body: { data: { closed: [...world.closed] } } };
    case "rate":
      world.window.remaining = Number(body.remaining ?? world.window.remaining);
      if (body.resetInSeconds !== undefined) world.window.resetAt = Date.now() + Number(body.resetInSeconds) * 1000;
      return { status: 200, body: { data: world.window } };
    case "state":
      return { status: 200, body: { data: { self: world.self, posts: world.posts, sent: world.sent, sessions_created: world.sessionsCreated } } };
    default:
      return { status: 404, body: { error: `no control action ${action}` } };
  }
}

function page<T>(items: T[], cursor: string | null, limit: number): { slice: T[]; next: string | null } {
  const offset = cursor ? Number(Buffer.from(cursor, "base64url").toString("utf8")) || 0 : 0;
  const slice = items.slice(offset, offset + limit);
  return { slice, next: offset + limit < items.length ? Buffer.from(String(offset + limit)).toString("base64url") : null };
}

export function respondBluesky(req: RecordedRequest): ScriptedResponse {
  const [pathname = "", search = ""] = req.path.split("?");
  const [worldName, ...rest] = pathname.split("/").filter(Boolean);
  if (!worldName) return xrpcError(404, "NotFound", "name a world");
  const world = blueskyWorld(worldName);
  if (rest[0] === "__control") return control(world, rest[1] ?? "", req);
  if (rest[0] !== "xrpc" || !rest[1]) return xrpcError(404, "NotFound", "Not Found");
  const nsid = rest[1];
  const query = new URLSearchParams(search);
  const body = req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {};
  if (world.window.resetAt <= Date.now()) Object.assign(world.window, { remaining: world.window.limit, resetAt: Date.now() + 300_000 });
  const headers = {
    "ratelimit-limit": String(world.window.limit),
    "ratelimit-remaining": String(Math.max(0, world.window.remaining - 1)),
    "ratelimit-reset": String(Math.ceil(world.window.resetAt / 1000)),
    "ratelimit-policy": `${world.window.limit};w=300`,
  };
  const answer = (res: ScriptedResponse): ScriptedResponse => ({ ...res, headers: { ...headers, ...res.headers } });
  if (world.window.remaining <= 0) return answer(xrpcError(429, "RateLimitExceeded", "Rate Limit Exceeded"));
  world.window.remaining--;

  if (nsid === "com.atproto.server.createSession") {
    if (body.password === "wrong-password") return answer(xrpcError(401, "AuthenticationRequired", "Invalid identifier or password"));
    world.sessionsCreated++;
    if (typeof body.identifier === "string") world.self.handle = body.identifier;
    return answer({ status: 200, body: issue(world) });
  }
  const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
  const known = world.tokens.get(token);
  const now = Math.floor(Date.now() / 1000);
  if (nsid === "com.atproto.server.refreshSession") {
    if (!known || known.kind !== "refresh") return answer(xrpcError(400, "InvalidToken", "Token could not be verified"));
    world.tokens.delete(token);
    return answer({ status: 200, body: issue(world) });
  }
  if (!known) return answer(xrpcError(401, "AuthenticationRequired", "Authentication Required"));
  if (known.kind !== "access") return answer(xrpcError(400, "InvalidToken", "Bad token scope"));
  if (known.exp <= now) return answer(xrpcError(400, "ExpiredToken", "Token has expired"));

  if (nsid.startsWith("chat.bsky.") && req.headers["atproto-proxy"] !== "did:web:api.bsky.chat#bsky_chat") {
    return answer(xrpcError(501, "MethodNotImplemented", "Method Not Implemented"));
  }
  switch (nsid) {
    case "app.bsky.notification.listNotifications": {
      const reasons = query.getAll("reasons");
      const all = world.notifications.filter((n) => reasons.length === 0 || reasons.includes(n.reason)).sort((a, b) => (a.indexedAt < b.indexedAt ? 1 : a.indexedAt > b.indexedAt ? -1 : 0));
      const { slice, next } = page(all, query.get("cursor"), Math.min(Number(query.get("limit") ?? "50") || 50, 100));
      return answer({ status: 200, body: { notifications: slice, ...(next ? { cursor: next } : {}), priorities: false, seenAt: new Date().toISOString() } });
    }
    case "com.atproto.repo.createRecord": {
      const record = (body.record ?? {}) as { text?: string; facets?: Array<{ index: { byteStart: number; byteEnd: number }; features: Array<{ uri?: string }> }>; reply?: { root?: StrongRef; parent?: StrongRef } };
      if (body.repo !== world.self.did && body.repo !== world.self.handle) return answer(xrpcError(400, "InvalidRequest", "Could not find repo"));
      const text = record.text ?? "";
      if (graphemeLength(text) > 300) return answer(xrpcError(400, "InvalidRequest", "Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes"));
      const bytes = new TextEncoder().encode(text);
      for (const f of record.facets ?? []) {
        const slice = new TextDecoder().decode(bytes.slice(f.index.byteStart, f.index.byteEnd));
        if (f.index.byteEnd > bytes.length || f.features.some((x) => x.uri !== undefined && x.uri !== slice)) return answer(xrpcError(400, "InvalidRequest", "Invalid facet: byte range does not match its link"));
      }
      if (record.reply && (!record.reply.root?.uri || !record.reply.root?.cid || !record.reply.parent?.uri || !record.reply.parent?.cid)) {
        return answer(xrpcError(400, "InvalidRequest", "Invalid app.bsky.feed.post record: Record/reply/root must have the property \"cid\""));
      }
      const out = { uri: `at://${world.self.did}/app.bsky.feed.post/${tid()}`, cid: cid() };
      world.posts.push({ ...out, record: record as Record<string, unknown> });
      return answer({ status: 200, body: { ...out, commit: { cid: cid(), rev: tid() }, validationStatus: "valid" } });
    }
    case "chat.bsky.convo.getLog": {
      const cursor = query.get("cursor");
      const logs = world.log.filter((l) => !cursor || l.rev > cursor).slice(0, 50);
      return answer({ status: 200, body: { logs, ...(logs.length > 0 ? { cursor: logs.at(-1)!.rev } : cursor ? { cursor } : {}) } });
    }
    case "chat.bsky.convo.getConvo": {
      const convo = world.convos.get(query.get("convoId") ?? "");
      if (!convo) return answer(xrpcError(400, "InvalidRequest", "Convo not found"));
      return answer({ status: 200, body: { convo: { id: convo.id, rev: tid(), members: convo.members, muted: false, unreadCount: 0 } } });
    }
    case "chat.bsky.convo.getConvoForMembers": {
      const member = query.get("members") ?? "";
      if (world.closed.has(member)) return answer(xrpcError(400, "InvalidRequest", "recipient has disabled incoming messages"));
      const known = [...world.convos.values()].flatMap((c) => c.members).find((m) => m.did === member);
      const convo = convoWith(world, known ?? { did: member, handle: "unknown.bsky.social", displayName: "" });
      return answer({ status: 200, body: { convo: { id: convo.id, rev: tid(), members: convo.members, muted: false, unreadCount: 0 } } });
    }
    case "chat.bsky.convo.sendMessage": {
      const convo = world.convos.get(String(body.convoId ?? ""));
      const message = (body.message ?? {}) as { text?: string };
      if (!convo) return answer(xrpcError(400, "InvalidRequest", "Convo not found"));
      if (!message.text || graphemeLength(message.text) > 1000) return answer(xrpcError(400, "InvalidRequest", "Invalid message"));
      const rev = tid();
      const view: ChatMessage = { $type: "chat.bsky.convo.defs#messageView", id: tid(), rev, text: message.text, sender: { did: world.self.did }, sentAt: new Date().toISOString() };
      world.sent.push(view);
      world.log.push({ $type: "chat.bsky.convo.defs#logCreateMessage", rev, convoId: convo.id, message: view });
      return answer({ status: 200, body: view });
    }
    default:
      return answer(xrpcError(501, "MethodNotImplemented", "Method Not Implemented"));
  }
}

export const blueskyFake: ProviderFake = { name: "bluesky", prefix: "/bluesky", respond: respondBluesky };
