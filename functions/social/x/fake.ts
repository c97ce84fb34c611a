// A loopback stand-in for X's API v2, answering as X does: the shapes of GET /2/users/:id/mentions
// (data, includes.users, meta with newest_id/oldest_id/next_token), GET /2/dm_events, POST
// /2/tweets and POST /2/dm_conversations/with/:id/messages; OAuth 1.0a required (401 without);
// x-rate-limit-limit/-remaining/-reset on every answer and 429 when a window is used up; 400
// for a post over 280 by X's weighted count. Runs in Node: in the tests' fake server and, for
// `npm start`, in the local stand-in (scripts/lib/local-social.mjs).
//
// Each test (or the local demo) has its own "world": the first path segment after /x
// (X_API_BASE = <fake>/x/<world>), with its own mentions, DMs, posts and rate windows, so test
// files running side by side never see each other's. Ids are snowflakes, unique across worlds.
// Control endpoints (not X's) under /x/<world>/__control/:
//   POST mention {text, author?, conversation_id?, in_reply_to?, repost?}  a mention of us; the
//        answer also carries the same mention as an X Activity API event and an Account
//        Activity API payload, for webhook tests
//   POST mentions {count, text?}                  many mentions from many people (storms)
//   POST dm {text, author?}                       a DM to us (same extras as mention)
//   POST rate {endpoint, remaining, resetInSeconds?}   set a rate window (mentions, dm_events, tweets, dm_send)
//   POST closed-dms {user_id}                     that person does not accept DMs (403)
//   GET  state                                    what we posted and sent
//   POST webhook {url, valid?}                    a webhook registered with X (its id is
//        answered); X's verdict on it is `valid` (true unless told)
//   POST webhook-valid {id, valid}                X's verdict after a CRC check (tests act as X:
//        they send the CRC to the Worker and report how it went)
// Webhook management (GET /2/webhooks, PUT /2/webhooks/:id: "re-check now") takes the app's
// bearer token, as X's does; each PUT is kept in `crc_requests` for the CRC it asks for.
import twitterText from "twitter-text";
import type { ProviderFake, RecordedRequest, ScriptedResponse } from "../../../test/fakes/types";

export interface FakeUser {
  id: string;
  username: string;
  name: string;
}
export interface FakePost {
  id: string;
  text: string;
  author_id: string;
  created_at: string;
  conversation_id: string;
  referenced_tweets?: Array<{ type: string; id: string }>;
  edit_history_tweet_ids: string[];
}
export interface FakeDmEvent {
  id: string;
  event_type: "MessageCreate";
  text: string;
  sender_id: string;
  dm_conversation_id: string;
  created_at: string;
}
interface Window {
  limit: number;
  remaining: number;
  resetAt: number;
}
export interface XWorld {
  name: string;
  self: FakeUser;
  users: Map<string, FakeUser>;
  mentions: FakePost[];
  dmEvents: FakeDmEvent[];
  /** Posts we created (replies, update threads), with what they answer and their weighted length. */
  posts: Array<FakePost & { in_reply_to_tweet_id: string | null; weighted_length: number }>;
  dmsSent: Array<{ dm_event_id: string; to: string; text: string }>;
  windows: Map<string, Window>;
  closedDms: Set<string>;
  /** Our account's id is learnt from the first signed request (control calls carry none). */
  selfKnown: boolean;
  /** Webhooks registered with X (GET /2/webhooks' WebhookConfig), and the CRC re-checks asked for. */
  webhooks: FakeWebhook[];
  crcRequests: Array<{ id: string; at: string }>;
}
export interface FakeWebhook {
  id: string;
  url: string;
  valid: boolean;
  created_at: string;
}

const worlds = new Map<string, XWorld>();
const EPOCH = 1288834974657n;
let sequence = 0n;

/** A snowflake: time since X's epoch and a sequence, so ids grow and never repeat. */
export function snowflake(): string {
  sequence = (sequence + 1n) & 0x3fffffn;
  return String(((BigInt(Date.now()) - EPOCH) << 22n) | sequence);
}

export function worldOf(name: string, selfId?: string): XWorld {
  let world = worlds.get(name);
  if (!world) {
    const self = { id: selfId ?? "1500000000000000001", username: "ExampleHosting", name: "Example Hosting" };
    world = { name, self, users: new Map([[self.id, self]]), mentions: [], dmEvents: [], posts: [], dmsSent: [], windows: new Map(), closedDms: new Set(), selfKnown: selfId !== undefined, webhooks: [], crcRequests: [] };
    worlds.set(name, world);
  } else if (selfId && !world.selfKnown) {
    const old = world.self.id;
    world.users.delete(old);
    world.self = { ...world.self, id: selfId };
    world.users.set(selfId, world.self);
    world.selfKnown = true;
    for (const e of world.dmEvents) {
      if (e.sender_id === old) e.sender_id = selfId;
      e.dm_conversation_id = e.dm_conversation_id.replace(old, selfId);
    }
  }
  return world;
}

const WINDOW_MS = 15 * 60_000;
const limits: Record<string, number> = { mentions: 300, dm_events: 15, tweets: 100, dm_send: 15 };

function windowOf(world: XWorld, endpoint: string): Window {
  let w = world.windows.get(endpoint);
  if (!w || w.resetAt <= Date.now()) {
    w = { limit: limits[endpoint] ?? 100, remaining: limits[endpoint] ?? 100, resetAt: Date.now() + WINDOW_MS };
    world.windows.set(endpoint, w);
  }
  return w;
}

function rateHeaders(w: Window): Record<string, string> {
  return { "x-rate-limit-limit": String(w.limit), "x-rate-limit-remaining": String(w.remaining), "x-rate-limit-reset": String(Math.ceil(w.resetAt / 1000)) };
}

const problem = (status: number, title: string, detail: string, extra: Record<string, unknown> = {}): ScriptedResponse => ({
  status,
  body: { title, detail, type: status === 400 ? "https://api.twitter.com/2/problems/invalid-request" : "about:blank", status, ...extra },
});

function makeUser(world: XWorld, author?: Partial<FakeUser>): FakeUser {
  const id = author?.id ?? snowflake();
  const existing = world.users.get(id);
  if (existing) return existing;
  const user = { id, username: author?.username ?? `customer${id.slice(-6)}`, name: author?.name ?? "A Customer" };
  world.users.set(id, user);
  return user;
}

export function addMention(world: XWorld, m: { text: string; author?: Partial<FakeUser>; conversation_id?: string; in_reply_to?: string; repost?: boolean; created_at?: string }): FakePost {
  const author = makeUser(world, m.author);
  const id = snowflake();
  const refs = [...(m.in_reply_to ? [{ type: "replied_to", id: m.in_reply_to }] : []), ...(m.repost ? [{ type: "retweeted", id: snowflake() }] : [])];
  const post: FakePost = {
    id,
    // X sends a post's text with &, < and > as HTML entities.
    text: m.text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"),
    author_id: author.id,
    created_at: m.created_at ?? new Date().toISOString(),
    conversation_id: m.conversation_id ?? id,
    ...(refs.length > 0 ? { referenced_tweets: refs } : {}),
    edit_history_tweet_ids: [id],
  };
  world.mentions.push(post);
  return post;
}

export function addDm(world: XWorld, d: { text: string; author?: Partial<FakeUser> }): FakeDmEvent {
  const author = makeUser(world, d.author);
  const ids = [author.id, world.self.id].sort();
  const event: FakeDmEvent = { id: snowflake(), event_type: "MessageCreate", text: d.text, sender_id: author.id, dm_conversation_id: `${ids[0]}-${ids[1]}`, created_at: new Date().toISOString() };
  world.dmEvents.push(event);
  return event;
}

/** The same mention as the X Activity API delivers it (post.mention.create). */
export function activityEventFor(world: XWorld, post: FakePost) {
  return {
    data: {
      event_uuid: snowflake(),
      filter: { user_id: world.self.id },
      event_type: "post.mention.create",
      tag: "mentions",
      payload: { ...post, entities: { mentions: [{ start: 0, end: world.self.username.length + 1, username: world.self.username, id: world.self.id }] } },
      includes: { users: [world.users.get(post.author_id), world.self] },
    },
  };
}

/** The same mention as the Account Activity API delivers it (v1.1 tweet in tweet_create_events). */
export function accountActivityFor(world: XWorld, post: FakePost) {
  const author = world.users.get(post.author_id)!;
  const replyTo = post.referenced_tweets?.find((r) => r.type === "replied_to")?.id ?? null;
  return {
    for_user_id: world.self.id,
    tweet_create_events: [
      {
        created_at: new Date(post.created_at).toUTCString().replace(/^(\w+), (\d+) (\w+) (\d+) ([\d:]+) GMT$/, "$1 $3 $2 $5 +0000 $4"),
        id: Number(post.id),
        id_str: post.id,
        text: post.text,
        in_reply_to_status_id_str: replyTo,
        user: { id: Number(author.id), id_str: author.id, name: author.name, screen_name: author.username },
        entities: { user_mentions: [{ screen_name: world.self.username, id_str: world.self.id }] },
        timestamp_ms: String(Date.parse(post.created_at)),
      },
    ],
  };
}

/** A DM as both webhook flavours deliver it: dm.received (X Activity API) and AAA. */
export function dmDeliveriesFor(world: XWorld, event: FakeDmEvent) {
  const sender = world.users.get(event.sender_id)!;
  const v1 = {
    type: "message_create",
    id: event.id,
    created_timestamp: String(Date.parse(event.created_at)),
    message_create: { target: { recipient_id: world.self.id }, sender_id: sender.id, message_data: { text: event.text, entities: { hashtags: [], symbols: [], user_mentions: [], urls: [] } } },
  };
  return {
    activity_event: {
      data: {
        event_uuid: snowflake(),
        filter: { user_id: world.self.id },
        event_type: "dm.received",
        tag: "dm-inbound",
        payload: { direct_message_events: [v1], users: { [sender.id]: { data: sender }, [world.self.id]: { data: world.self } } },
      },
    },
    account_activity: {
      for_user_id: world.self.id,
      direct_message_events: [v1],
      users: { [sender.id]: { id: sender.id, name: sender.name, screen_name: sender.username } },
    },
  };
}

function page<T extends { id: string }>(items: T[], query: URLSearchParams): { slice: T[]; next: string | null; error: ScriptedResponse | null } {
  const max = Number(query.get("max_results") ?? "10");
  if (!Number.isInteger(max) || max < 1 || max > 100) {
    return { slice: [], next: null, error: problem(400, "Invalid Request", "One or more parameters to your request was invalid.", { errors: [{ message: `The \`max_results\` query parameter value [${query.get("max_results")}] is not between 5 and 100` }] }) };
  }
  let offset = 0;
  const token = query.get("pagination_token");
  if (token) {
    try {
      offset = (JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { offset: number }).offset;
    } catch {
      return { slice: [], next: null, error: problem(400, "Invalid Request", "One or more parameters to your request was invalid.", { errors: [{ message: "The `pagination_token` query parameter value is not valid" }] }) };
    }
  }
  const slice = items.slice(offset, offset + max);
  const next = offset + max < items.length ? Buffer.from(JSON.stringify({ offset: offset + max })).toString("base64url") : null;
  return { slice, next, error: null };
}

const newestFirst = <T extends { id: string }>(a: T, b: T) => (BigInt(b.id) > BigInt(a.id) ? 1 : BigInt(b.id) < BigInt(a.id) ? -1 : 0);

function selfFromOAuth(header: string | undefined): string | null {
  if (!header?.startsWith("OAuth ") || !/oauth_signature="/.test(header) || !/oauth_consumer_key="/.test(header)) return null;
  return /oauth_token="(\d+)-/.exec(header)?.[1] ?? null;
}

function control(world: XWorld, action: string, req: RecordedRequest): ScriptedResponse {
  const body = req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {};
  switch (action) {
    case "mention": {
      const post = addMention(world, body as Parameters<typeof addMention>[1]);
      return { status: 201, body: { data: post, author: world.users.get(post.author_id), activity_event: activityEventFor(world, post), account_activity: accountActivityFor(world, post) } };
    }
    case "mentions": {
      const count = Number(body.count ?? 1);
      const created = Array.from({ length: count }, (_, i) => addMention(world, { text: `@${world.self.username} ${String(body.text ?? "is everything down?")} #${i + 1}` }));
      return { status: 201, body: { data: { count: created.length, newest_id: created.at(-1)?.id ?? null } } };
    }
    case "dm": {
      const event = addDm(world, body as Parameters<typeof addDm>[1]);
      return { status: 201, body: { data: event, author: world.users.get(event.sender_id), ...dmDeliveriesFor(world, event) } };
    }
    case "rate": {
      const w = windowOf(world, String(body.endpoint));
      w.remaining = Number(body.remaining ?? w.remaining);
      if (body.resetInSeconds !== undefined) w.resetAt = Date.now() + Number(body.resetInSeconds) * 1000;
      return { status: 200, body: { data: w } };
    }
    case "closed-dms":
      world.closedDms.add(String(body.user_id));
      return { status: 200, body: { data: { closed: [...world.closedDms] } } };
    case "self":
      worldOf(world.name, String(body.id));
      return { status: 200, body: { data: world.self } };
    case "webhook":
      return { status: 201, body: { data: registerWebhook(world, String(body.url ?? ""), body.valid !== false) } };
    case "webhook-valid": {
      const hook = world.webhooks.find((w) => w.id === String(body.id));
      if (!hook) return { status: 404, body: { error: `no webhook ${String(body.id)}` } };
      hook.valid = body.valid === true;
      return { status: 200, body: { data: hook } };
    }
    case "state":
      return {
        status: 200,
        body: { data: { self: world.self, posts: world.posts, dms_sent: world.dmsSent, mentions: world.mentions.length, dm_events: world.dmEvents.length, webhooks: world.webhooks, crc_requests: world.crcRequests } },
      };
    default:
      return { status: 404, body: { error: `no control action ${action}` } };
  }
}

/** Registers a webhook (or finds the one with this URL), as POST /2/webhooks does once its CRC passed. */
export function registerWebhook(world: XWorld, url: string, valid = true): FakeWebhook {
  const known = world.webhooks.find((w) => w.url === url);
  if (known) return Object.assign(known, { valid });
  const hook = { id: snowflake(), url, valid, created_at: new Date().toISOString() };
  world.webhooks.push(hook);
  return hook;
}

/** GET /2/webhooks and PUT /2/webhooks/:id, with the app's bearer token (OAuth 1.0a is refused). */
function webhooks(world: XWorld, req: RecordedRequest, rest: string[]): ScriptedResponse {
  if (!/^Bearer \S+$/.test(req.headers.authorization ?? "")) return problem(403, "Unsupported Authentication", "Authenticating with OAuth 1.0a User Context is forbidden for this endpoint.  Supported authentication types are [OAuth 2.0 Application-Only].");
  if (req.method === "GET" && rest.length === 0) {
    return { status: 200, body: world.webhooks.length > 0 ? { data: world.webhooks, meta: { result_count: world.webhooks.length } } : { meta: { result_count: 0 } } };
  }
  if (req.method === "PUT" && rest.length === 1) {
    const hook = world.webhooks.find((w) => w.id === rest[0]);
    if (!hook) return problem(400, "Invalid Request", "One or more parameters to your request was invalid.", { errors: [{ message: `Webhook id ${rest[0]} not found` }] });
    world.crcRequests.push({ id: hook.id, at: new Date().toISOString() });
    return { status: 200, body: { data: { attempted: true } } };
  }
  return problem(404, "Not Found Error", `Could not find ${req.method} /2/webhooks/${rest.join("/")}`);
}

export function respondX(req: RecordedRequest): ScriptedResponse {
  const [pathname = "", search = ""] = req.path.split("?");
  const query = new URLSearchParams(search);
  const segments = pathname.split("/").filter(Boolean);
  const [worldName, ...rest] = segments;
  if (!worldName) return { status: 404, body: { error: "name a world: /x/<world>/2/..." } };
  if (rest[0] === "__control") return control(worldOf(worldName), rest[1] ?? "", req);
  if (rest[0] !== "2") return problem(404, "Not Found Error", `Could not find ${pathname}`);
  if (rest[1] === "webhooks") return webhooks(worldOf(worldName), req, rest.slice(2));
  const selfId = selfFromOAuth(req.headers.authorization);
  if (!selfId) return problem(401, "Unauthorized", "Unauthorized");
  const world = worldOf(worldName, selfId);
  const route = rest.slice(1).join("/");

  const limited = (endpoint: string, answer: () => ScriptedResponse): ScriptedResponse => {
    const w = windowOf(world, endpoint);
    if (w.remaining <= 0) return { ...problem(429, "Too Many Requests", "Too Many Requests"), headers: rateHeaders(w) };
    w.remaining--;
    const res = answer();
    return { ...res, headers: { ...rateHeaders(w), ...res.headers } };
  };

  if (req.method === "GET" && /^users\/\d+\/mentions$/.test(route)) {
    const userId = rest[2]!;
    if (userId !== world.self.id) return problem(403, "Forbidden", "You can only read mentions of the authenticated user here.");
    return limited("mentions", () => {
      const since = query.get("since_id");
      const all = world.mentions.filter((p) => !since || BigInt(p.id) > BigInt(since)).sort(newestFirst);
      const { slice, next, error } = page(all, query);
      if (error) return error;
      if (slice.length === 0) return { status: 200, body: { meta: { result_count: 0 } } };
      const users = [...new Set(slice.map((p) => p.author_id))].map((id) => world.users.get(id)!).filter(Boolean);
      const meta: Record<string, unknown> = { result_count: slice.length, newest_id: slice[0]!.id, oldest_id: slice.at(-1)!.id };
      if (next) meta.next_token = next;
      return { status: 200, body: { data: slice, includes: { users }, meta } };
    });
  }
  if (req.method === "GET" && route === "dm_events") {
    return limited("dm_events", () => {
      const all = [...world.dmEvents].sort(newestFirst);
      const { slice, next, error } = page(all, query);
      if (error) return error;
      if (slice.length === 0) return { status: 200, body: { meta: { result_count: 0 } } };
      const users = [...new Set(slice.map((e) => e.sender_id))].map((id) => world.users.get(id)!).filter(Boolean);
      const meta: Record<string, unknown> = { result_count: slice.length };
      if (next) meta.next_token = next;
      return { status: 200, body: { data: slice, includes: { users }, meta } };
    });
  }
  if (req.method === "POST" && route === "tweets") {
    return limited("tweets", () => {
      const body = JSON.parse(req.body || "{}") as { text?: string; reply?: { in_reply_to_tweet_id?: string } };
      const text = body.text ?? "";
      const weighted = twitterText.parseTweet(text).weightedLength;
      if (!text.trim() || weighted > 280) {
        return problem(400, "Invalid Request", "One or more parameters to your request was invalid.", { errors: [{ message: text.trim() ? `Your post is too long (${weighted} weighted characters).` : "The `text` field is required." }] });
      }
      const id = snowflake();
      const replyTo = body.reply?.in_reply_to_tweet_id ?? null;
      const parent = replyTo ? [...world.mentions, ...world.posts].find((p) => p.id === replyTo) : undefined;
      world.posts.push({
        id,
        text,
        author_id: world.self.id,
        created_at: new Date().toISOString(),
        conversation_id: parent?.conversation_id ?? id,
        edit_history_tweet_ids: [id],
        in_reply_to_tweet_id: replyTo,
        weighted_length: weighted,
      });
      return { status: 201, body: { data: { id, text, edit_history_tweet_ids: [id] } } };
    });
  }
  const dm = /^dm_conversations\/with\/(\d+)\/messages$/.exec(route);
  if (req.method === "POST" && dm) {
    return limited("dm_send", () => {
      const to = dm[1]!;
      if (world.closedDms.has(to)) return problem(403, "Forbidden", "You are not permitted to send a direct message to this user.");
      const body = JSON.parse(req.body || "{}") as { text?: string };
      if (!body.text?.trim()) return problem(400, "Invalid Request", "One or more parameters to your request was invalid.", { errors: [{ message: "The `text` field is required." }] });
      const ids = [to, world.self.id].sort();
      const event: FakeDmEvent = { id: snowflake(), event_type: "MessageCreate", text: body.text, sender_id: world.self.id, dm_conversation_id: `${ids[0]}-${ids[1]}`, created_at: new Date().toISOString() };
      world.dmEvents.push(event);
      world.dmsSent.push({ dm_event_id: event.id, to, text: body.text });
      return { status: 201, body: { data: { dm_conversation_id: event.dm_conversation_id, dm_event_id: event.id } } };
    });
  }
  if (req.method === "GET" && route === "users/me") return { status: 200, body: { data: world.self } };
  return problem(404, "Not Found Error", `Could not find ${req.method} /2/${route}`);
}

export const xFake: ProviderFake = { name: "x", prefix: "/x", respond: respondX };
