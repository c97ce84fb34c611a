// Bluesky logins: com.atproto.server.createSession with the handle and an app password gives
// an access token (about two hours) and a refresh token (months). createSession is limited to
// a few hundred a day, so the session is kept in D1 (social_sessions) and refreshed with
// com.atproto.server.refreshSession when the access token runs out, not re-created each minute.
import * as z from "zod";
import { callApi, trimSlash, type ApiAnswer } from "../http";
import { SocialApiError, type NetworkContext } from "../types";

export type BlueskySettings = Pick<Env, "BLUESKY_SERVICE" | "BLUESKY_HANDLE" | "BLUESKY_APP_PASSWORD" | "BLUESKY_CHAT_SERVICE">;

const Session = z.object({ handle: z.string().min(1), did: z.string().min(1), accessJwt: z.string().min(1), refreshJwt: z.string().min(1) });
export type BlueskySession = z.infer<typeof Session>;

/** A token's `exp` (seconds), read without verifying: the server verifies, we only avoid using a stale one. */
export function jwtExpiry(jwt: string): number | null {
  const part = jwt.split(".")[1];
  if (!part) return null;
  try {
    const json = JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "="))) as { exp?: unknown };
    return typeof json.exp === "number" ? json.exp : null;
  } catch {
    return null;
  }
}

const fresh = (jwt: string, now: Date) => (jwtExpiry(jwt) ?? 0) * 1000 > now.getTime() + 60_000;

function base(settings: BlueskySettings): string {
  return trimSlash(settings.BLUESKY_SERVICE || "https://bsky.social");
}

async function createSession(ctx: NetworkContext<keyof BlueskySettings>): Promise<BlueskySession> {
  const res = await callApi(
    "Bluesky",
    `${base(ctx.settings)}/xrpc/com.atproto.server.createSession`,
    { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ identifier: ctx.settings.BLUESKY_HANDLE, password: ctx.settings.BLUESKY_APP_PASSWORD }) },
    { timeoutMs: ctx.timeoutMs, now: ctx.now, rateLimitPrefix: "ratelimit" },
  );
  const parsed = Session.safeParse({ ...(res.json as object), handle: ctx.settings.BLUESKY_HANDLE });
  if (!parsed.success) throw new SocialApiError("Bluesky: createSession answered without tokens.", { status: res.status, retryable: false });
  await ctx.session.save(parsed.data);
  return parsed.data;
}

async function refreshSession(ctx: NetworkContext<keyof BlueskySettings>, s: BlueskySession): Promise<BlueskySession | null> {
  try {
    const res = await callApi(
      "Bluesky",
      `${base(ctx.settings)}/xrpc/com.atproto.server.refreshSession`,
      { method: "POST", headers: { authorization: `Bearer ${s.refreshJwt}` } },
      { timeoutMs: ctx.timeoutMs, now: ctx.now, rateLimitPrefix: "ratelimit" },
    );
    const parsed = Session.safeParse({ ...(res.json as object), handle: s.handle });
    if (!parsed.success) return null;
    await ctx.session.save(parsed.data);
    return parsed.data;
  } catch (err) {
    // A refused refresh token means logging in again; anything else is the server's trouble.
    if (err instanceof SocialApiError && err.status !== null && err.status >= 400 && err.status < 500 && err.status !== 429) return null;
    throw err;
  }
}

export async function blueskySession(ctx: NetworkContext<keyof BlueskySettings>, opts: { renew?: boolean } = {}): Promise<BlueskySession> {
  const stored = Session.safeParse(await ctx.session.load());
  const mine = stored.success && stored.data.handle === ctx.settings.BLUESKY_HANDLE ? stored.data : null;
  if (mine && !opts.renew && fresh(mine.accessJwt, ctx.now)) return mine;
  if (mine && fresh(mine.refreshJwt, ctx.now)) {
    const refreshed = await refreshSession(ctx, mine);
    if (refreshed) return refreshed;
  }
  return createSession(ctx);
}

/** An XRPC call with our session (renewed once when the server says the token expired). */
export async function xrpc(
  ctx: NetworkContext<keyof BlueskySettings>,
  nsid: string,
  opts: { query?: URLSearchParams; body?: unknown; chat?: boolean } = {},
): Promise<{ answer: ApiAnswer; session: BlueskySession }> {
  const call = async (s: BlueskySession) => {
    const headers: Record<string, string> = { authorization: `Bearer ${s.accessJwt}`, accept: "application/json" };
    if (opts.body !== undefined) headers["content-type"] = "application/json";
    // Direct messages live on Bluesky's chat service; the PDS forwards what this header names.
    if (opts.chat) headers["atproto-proxy"] = ctx.settings.BLUESKY_CHAT_SERVICE || "did:web:api.bsky.chat#bsky_chat";
    const url = `${base(ctx.settings)}/xrpc/${nsid}${opts.query ? `?${opts.query}` : ""}`;
    const init: RequestInit = opts.body === undefined ? { headers } : { method: "POST", headers, body: JSON.stringify(opts.body) };
    return callApi("Bluesky", url, init, { timeoutMs: ctx.timeoutMs, now: ctx.now, rateLimitPrefix: "ratelimit" });
  };
  let session = await blueskySession(ctx);
  try {
    return { answer: await call(session), session };
  } catch (err) {
    if (err instanceof SocialApiError && (err.status === 400 || err.status === 401) && /ExpiredToken|InvalidToken/.test(err.message)) {
      session = await blueskySession(ctx, { renew: true });
      return { answer: await call(session), session };
    }
    throw err;
  }
}
