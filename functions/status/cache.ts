// Edge caching of everything public the status Worker answers (pages, API, feeds, badge).
//
// Entries are keyed on the status version (status_meta "version", bumped in the same D1
// batch as every staff write and automatic maintenance move), so a change never needs a
// purge: the next reader asks for a key that is not cached yet. Each isolate trusts its copy
// of the version for VERSION_TTL_MS, so a write made anywhere is visible everywhere within a
// few seconds (the contract says 10 s). Entries also expire after ENTRY_TTL_S, so what depends
// on the clock alone (today's uptime bar) stays fresh.
//
// Two layers: a small in-isolate map (no I/O at all for a hot page) in front of the Cache API
// (shared by the isolates of a data centre).
import type { Context, MiddlewareHandler } from "hono";
import { etag, RETAINED_304_HEADERS } from "hono/etag";
import { keptPerIsolate } from "../platform/isolate-memory";
import type { AppEnv } from "../platform/types";
import { waitUntilOf } from "../platform/wait-until";
import { readVersion } from "./queries";

/** What browsers and aggregators may keep of a public answer (JSON, feeds, badge). */
export const PUBLIC_CACHE_CONTROL = "public, max-age=5";

export const VERSION_TTL_MS = 2_000;
export const ENTRY_TTL_S = 60;
const MEMORY_ENTRIES = 100;
/** Cache keys live under the site's own origin: Cloudflare caches by zone. */
function cacheKey(requestUrl: string, suffix: string): string {
  return new URL(`/__status-cache/${suffix}`, requestUrl).toString();
}

interface VersionMemo {
  value: string;
  readAt: number;
}
// Keyed on the binding: a test (or a fault) with another database never sees this one's memo.
let versions = new WeakMap<D1Database, VersionMemo>();

interface MemoryEntry {
  body: ArrayBuffer;
  status: number;
  headers: [string, string][];
  storedAt: number;
}
const memory = new Map<string, MemoryEntry>();
/** The last good answer per address, whatever its version: served when D1 fails. */
const lastGood = new Map<string, MemoryEntry>();

/** The status version, read from D1 at most every VERSION_TTL_MS per isolate. Throws when D1 does. */
export async function statusVersion(db: D1Database, now = Date.now()): Promise<string> {
  const memo = versions.get(db);
  if (memo && now - memo.readAt < VERSION_TTL_MS) return memo.value;
  const value = await readVersion(db);
  versions.set(db, { value, readAt: now });
  noteLiveState({ at: new Date(now).toISOString() });
  return value;
}

/** After a write in this isolate: read the version again on the next request. */
export function forgetVersion(db: D1Database): void {
  versions.delete(db);
}

function runLater(c: Context<AppEnv>, work: Promise<unknown>): void {
  // Without an execution context (a direct app.fetch in tests) the promise still runs.
  waitUntilOf(c)?.(work.catch((err) => console.error("status cache: background write failed", err)));
}

/**
 * True while the static mirror renders this answer (platform/types.ts `MirrorRender`). Its
 * links point at the mirror, so it must never enter the live cache nor the last good answers;
 * and a failure must fail the render instead of falling back, or the mirror would publish the
 * "live status unavailable" shell as the status.
 */
export function isMirrorRender(c: Context<AppEnv>): boolean {
  return c.get("mirror") !== undefined;
}

/**
 * Answers from the cache, or builds the response, caches it (200 only) and answers. The weak
 * ETag is made once, when the entry is built, and kept with it; `conditionalGet` answers a
 * matching If-None-Match. A mirror render is built afresh and cached nowhere.
 */
export async function cachedResponse(
  c: Context<AppEnv>,
  build: () => Promise<Response>,
  opts: { queryParams?: readonly string[] } = {},
): Promise<Response> {
  if (isMirrorRender(c)) return build();
  const version = await statusVersion(c.env.DB);
  const url = new URL(c.req.url);
  // Only the query parameters an answer depends on are part of its key: random ones must not
  // fill the cache (or make every request a fresh render).
  const kept = new URLSearchParams();
  for (const name of opts.queryParams ?? []) {
    const value = url.searchParams.get(name);
    if (value !== null) kept.set(name, value);
  }
  const search = kept.size > 0 ? `?${kept}` : "";
  const key = cacheKey(c.req.url, `v${version}${url.pathname}${search}`);
  const now = Date.now();

  let entry = memory.get(key);
  if (entry && now - entry.storedAt > ENTRY_TTL_S * 1000) {
    memory.delete(key);
    entry = undefined;
  }
  let source = "memory";
  if (!entry) {
    const hit = await caches.default.match(key);
    if (hit) {
      source = "edge";
      entry = await toEntry(hit, now);
      entry.headers = entry.headers.filter(([k]) => k !== "cache-control").concat([["cache-control", hit.headers.get("x-client-cache-control") ?? "no-cache"]]);
      entry.headers = entry.headers.filter(([k]) => k !== "x-client-cache-control");
    } else {
      source = "miss";
      const built = await build();
      entry = await toEntry(built, now);
      if (built.status === 200) {
        const etag = `W/"${await digest(entry.body)}"`;
        entry.headers.push(["etag", etag]);
        const stored = new Response(entry.body, { status: 200, headers: entry.headers });
        stored.headers.set("x-client-cache-control", stored.headers.get("cache-control") ?? "no-cache");
        stored.headers.set("cache-control", `public, max-age=${ENTRY_TTL_S}`);
        runLater(c, caches.default.put(key, stored));
      } else {
        return fromEntry(entry, source);
      }
    }
    remember(key, entry);
    if (entry.status === 200) rememberGood(`${url.pathname}${search}`, entry);
  }
  return fromEntry(entry, source);
}

/**
 * 304 to a matching If-None-Match (weak comparison, `*`), by hono/etag, on the routes answered
 * through cachedResponse. The ETag is already there, so nothing is hashed per request; an
 * answer without one (the fallback page) gets one from its body. A 304 keeps the CORS header
 * (aggregators revalidate cross-site) and says where the answer came from.
 */
export const conditionalGet: MiddlewareHandler<AppEnv> = etag({
  retainedHeaders: [...RETAINED_304_HEADERS, "access-control-allow-origin", "x-status-cache"],
});

async function toEntry(res: Response, now: number): Promise<MemoryEntry> {
  const headers: [string, string][] = [];
  res.headers.forEach((v, k) => {
    if (k !== "content-length" && k !== "x-status-cache") headers.push([k, v]);
  });
  return { body: await res.arrayBuffer(), status: res.status, headers, storedAt: now };
}

function fromEntry(entry: MemoryEntry, source: string): Response {
  const res = new Response(entry.body.slice(0), { status: entry.status, headers: entry.headers });
  res.headers.set("x-status-cache", source);
  return res;
}

function remember(key: string, entry: MemoryEntry): void {
  if (memory.size >= MEMORY_ENTRIES) {
    const oldest = memory.keys().next().value;
    if (oldest !== undefined) memory.delete(oldest);
  }
  memory.set(key, entry);
}

function rememberGood(address: string, entry: MemoryEntry): void {
  if (!lastGood.has(address) && lastGood.size >= MEMORY_ENTRIES) {
    const oldest = lastGood.keys().next().value;
    if (oldest !== undefined) lastGood.delete(oldest);
  }
  lastGood.set(address, entry);
}

/** The last good answer for this address (any version), marked stale; null if none. */
export function lastGoodResponse(requestUrl: string): Response | null {
  const entry = lastGood.get(new URL(requestUrl).pathname);
  if (!entry) return null;
  const res = fromEntry(entry, "stale");
  res.headers.set("cache-control", "no-store");
  return res;
}

async function digest(body: ArrayBuffer): Promise<string> {
  const hash = await crypto.subtle.digest("SHA-256", body);
  return Array.from(new Uint8Array(hash).slice(0, 12), (b) => b.toString(16).padStart(2, "0")).join("");
}

// The last state we know was live, shown on the fallback page when D1 cannot be read.
export interface LiveState {
  /** When the state was last read from storage. */
  at: string;
  /** The overall description then, if known. */
  description?: string;
}
let lastLive: LiveState | null = null;
const LAST_LIVE = "last-live-state";
keptPerIsolate(() => {
  versions = new WeakMap();
  memory.clear();
  lastGood.clear();
  lastLive = null;
});

export function noteLiveState(state: LiveState): void {
  lastLive = { at: state.at, description: state.description ?? lastLive?.description };
}

/** Remembers the state in the Cache API too, so a fresh isolate can still tell the time. */
export function persistLiveState(c: Context<AppEnv>): void {
  if (!lastLive || isMirrorRender(c)) return;
  const res = new Response(JSON.stringify(lastLive), { headers: { "content-type": "application/json", "cache-control": "public, max-age=604800" } });
  runLater(c, caches.default.put(cacheKey(c.req.url, LAST_LIVE), res));
}

export async function lastLiveState(requestUrl: string): Promise<LiveState | null> {
  if (lastLive) return lastLive;
  try {
    const res = await caches.default.match(cacheKey(requestUrl, LAST_LIVE));
    return res ? ((await res.json()) as LiveState) : null;
  } catch (err) {
    console.error("status cache: last live state unreadable", err);
    return null;
  }
}
