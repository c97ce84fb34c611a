// A loopback stand-in for a Mastodon instance's REST API, answering as Mastodon does: GET
// /api/v1/notifications (newest first, min_id/since_id/max_id paging, a Link header), POST
// /api/v1/statuses (JSON, 422 over the character limit counted as Mastodon counts, one status
// per Idempotency-Key); 401 without a bearer token; X-RateLimit-Limit/-Remaining/-Reset (ISO)
// on every answer and 429 when the window is used up. Runs in Node (tests' fake server, and
// the local stand-in of `npm start`).
//
// Each test has its own instance: MASTODON_URL = <fake>/mastodon/<world>. Control endpoints
// under /mastodon/<world>/__control/: POST mention {text, account?, visibility?, in_reply_to_id?},
// POST mentions {count}, POST rate {remaining, resetInSeconds?}, GET state.
import type { ProviderFake, RecordedRequest, ScriptedResponse } from "../../../test/fakes/types";
import { mastodonLength } from "./text.pure";

interface FakeAccount {
  id: string;
  username: string;
  acct: string;
  display_name: string;
  url: string;
}
interface FakeStatus {
  id: string;
  created_at: string;
  in_reply_to_id: string | null;
  in_reply_to_account_id: string | null;
  visibility: string;
  content: string;
  url: string;
  reblog: null;
  account: FakeAccount;
  mentions: Array<{ id: string; username: string; acct: string; url: string }>;
  /** Not Mastodon's: the text we were sent, and the Idempotency-Key, for tests to read. */
  text?: string;
  idempotency_key?: string | null;
}
interface FakeNotification {
  id: string;
  type: "mention";
  created_at: string;
  account: FakeAccount;
  status: FakeStatus;
}
export interface MastodonWorld {
  host: string;
  self: FakeAccount;
  notifications: FakeNotification[];
  ours: FakeStatus[];
  window: { limit: number; remaining: number; resetAt: number };
}

const worlds = new Map<string, MastodonWorld>();
let sequence = 0n;
function nextId(): string {
  sequence = (sequence + 1n) & 0xffffn;
  return String((BigInt(Date.now()) << 16n) | sequence);
}

const escape = (t: string) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

export function mastodonWorld(name: string): MastodonWorld {
  let world = worlds.get(name);
  if (!world) {
    const host = "mastodon.example-hosting.test";
    const self = { id: "109000000000000001", username: "status", acct: "status", display_name: "Example Hosting status", url: `https://${host}/@status` };
    world = { host, self, notifications: [], ours: [], window: { limit: 300, remaining: 300, resetAt: Date.now() + 300_000 } };
    worlds.set(name, world);
  }
  return world;
}

function account(world: MastodonWorld, a?: Partial<FakeAccount>): FakeAccount {
  const username = a?.username ?? `customer${nextId().slice(-5)}`;
  const acct = a?.acct ?? `${username}@hachyderm.example`;
  return { id: a?.id ?? nextId(), username, acct, display_name: a?.display_name ?? "A Customer", url: `https://${acct.split("@")[1] ?? world.host}/@${username}` };
}

export function addMastodonMention(world: MastodonWorld, m: { text: string; account?: Partial<FakeAccount>; visibility?: string; in_reply_to_id?: string }): FakeNotification {
  const from = account(world, m.account);
  const id = nextId();
  const html = `<p><span class="h-card" translate="no"><a href="${world.self.url}" class="u-url mention">@<span>${world.self.username}</span></a></span> ${escape(m.text)}</p>`;
  const status: FakeStatus = {
    id,
    created_at: new Date().toISOString(),
    in_reply_to_id: m.in_reply_to_id ?? null,
    in_reply_to_account_id: m.in_reply_to_id ? world.self.id : null,
    visibility: m.visibility ?? "public",
    content: html,
    url: `${from.url}/${id}`,
    reblog: null,
    account: from,
    mentions: [{ id: world.self.id, username: world.self.username, acct: world.self.acct, url: world.self.url }],
  };
  const notification: FakeNotification = { id: nextId(), type: "mention", created_at: status.created_at, account: from, status };
  world.notifications.push(notification);
  return notification;
}

const newer = (a: string, b: string) => (a.length !== b.length ? a.length > b.length : a > b);

function control(world: MastodonWorld, action: string, req: RecordedRequest): ScriptedResponse {
  const body = req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {};
  switch (action) {
    case "mention":
      return { status: 201, body: { data: addMastodonMention(world, body as Parameters<typeof addMastodonMention>[1]) } };
    case "mentions": {
      const count = Number(body.count ?? 1);
      for (let i = 0; i < count; i++) addMastodonMention(world, { text: `${String(body.text ?? "is everything down?")} #${i + 1}` });
      return { status: 201, body: { data: { count } } };
    }
    case "rate":
      world.window.remaining = Number(body.remaining ?? world.window.remaining);
      if (body.resetInSeconds !== undefined) world.window.resetAt = Date.now() + Number(body.resetInSeconds) * 1000;
      return { status: 200, body: { data: world.window } };
    case "state":
      return { status: 200, body: { data: { self: world.self, statuses: world.ours, notifications: world.notifications.length } } };
    default:
      return { status: 404, body: { error: `no control action ${action}` } };
  }
}

export function respondMastodon(req: RecordedRequest): ScriptedResponse {
  const [pathname = "", search = ""] = req.path.split("?");
  const [worldName, ...rest] = pathname.split("/").filter(Boolean);
  if (!worldName) return { status: 404, body: { error: "Record not found" } };
  const world = mastodonWorld(worldName);
  if (rest[0] === "__control") return control(world, rest[1] ?? "", req);
  if (!/^Bearer \S+$/.test(req.headers.authorization ?? "")) return { status: 401, body: { error: "The access token is invalid" } };
  if (world.window.resetAt <= Date.now()) Object.assign(world.window, { remaining: world.window.limit, resetAt: Date.now() + 300_000 });
  const headers = () => ({
    "x-ratelimit-limit": String(world.window.limit),
    "x-ratelimit-remaining": String(world.window.remaining),
    "x-ratelimit-reset": new Date(world.window.resetAt).toISOString(),
  });
  if (world.window.remaining <= 0) return { status: 429, body: { error: "Too many requests" }, headers: headers() };
  world.window.remaining--;
  const route = rest.join("/");
  const query = new URLSearchParams(search);

  if (req.method === "GET" && route === "api/v1/notifications") {
    const types = query.getAll("types[]");
    const limit = Math.min(Number(query.get("limit") ?? "40") || 40, 80);
    let items = world.notifications.filter((n) => types.length === 0 || types.includes(n.type));
    const minId = query.get("min_id");
    const sinceId = query.get("since_id");
    const maxId = query.get("max_id");
    if (maxId) items = items.filter((n) => newer(maxId, n.id));
    if (sinceId) items = items.filter((n) => newer(n.id, sinceId));
    let page: FakeNotification[];
    if (minId) {
      // The page right after min_id (oldest first), shown newest first.
      page = items.filter((n) => newer(n.id, minId)).sort((a, b) => (newer(a.id, b.id) ? 1 : -1)).slice(0, limit).reverse();
    } else {
      page = items.sort((a, b) => (newer(a.id, b.id) ? -1 : 1)).slice(0, limit);
    }
    const base = `https://${world.host}/api/v1/notifications`;
    const link = page.length > 0 ? `<${base}?max_id=${page.at(-1)!.id}>; rel="next", <${base}?min_id=${page[0]!.id}>; rel="prev"` : "";
    return { status: 200, body: page, headers: { ...headers(), ...(link ? { link } : {}) } };
  }
  if (req.method === "POST" && route === "api/v1/statuses") {
    const body = JSON.parse(req.body || "{}") as { status?: string; in_reply_to_id?: string; visibility?: string };
    const key = req.headers["idempotency-key"] ?? null;
    const again = key ? world.ours.find((s) => s.idempotency_key === key) : undefined;
    if (again) return { status: 200, body: again, headers: headers() };
    const text = body.status ?? "";
    if (!text.trim()) return { status: 422, body: { error: "Validation failed: Text can't be blank" }, headers: headers() };
    if (mastodonLength(text) > 500) return { status: 422, body: { error: "Validation failed: Text character limit of 500 exceeded" }, headers: headers() };
    const visibility = body.visibility ?? "public";
    if (!["public", "unlisted", "private", "direct"].includes(visibility)) return { status: 422, body: { error: "Validation failed: Visibility is not included in the list" }, headers: headers() };
    const id = nextId();
    const status: FakeStatus = {
      id,
      created_at: new Date().toISOString(),
      in_reply_to_id: body.in_reply_to_id ?? null,
      in_reply_to_account_id: null,
      visibility,
      content: `<p>${escape(text)}</p>`,
      url: `${world.self.url}/${id}`,
      reblog: null,
      account: world.self,
      mentions: [],
      text,
      idempotency_key: key,
    };
    world.ours.push(status);
    return { status: 200, body: status, headers: headers() };
  }
  return { status: 404, body: { error: "Record not found" }, headers: headers() };
}

export const mastodonFake: ProviderFake = { name: "mastodon", prefix: "/mastodon", respond: respondMastodon };
