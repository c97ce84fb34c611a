// The snapshot: every public page and file of the status site, rendered by the very routes that
// answer live readers (functions/status: page-routes fills the Astro shells, api-routes,
// feed-routes and embed-routes render the JSON, feeds, badge and banner script), then made into
// mirror pages by one rewriter (rewrite.ts). No second template.
//
// The routes run in a small Hono app of their own here rather than through the Worker's
// (functions/app.ts): that app also mounts the queue consumer, which runs this module, so using
// it would be a cycle. Only public status routes are mounted; the context variable `mirror`
// makes them skip the edge cache and fail instead of falling back (status/cache.ts), and the
// Worker's PUBLIC_URL is the mirror's address for the render, so every absolute link in the
// JSON and feeds points at the mirror.
//
// What the snapshot holds is found the way a reader finds it: from the home page, the history
// and the data files, following every link to something the mirror carries (paths.pure.ts).
import { Hono } from "hono";
import { ApiError, toApiError } from "../platform/errors";
import { renderErrorPage } from "../platform/error-pages";
import { html } from "../platform/html";
import { fetchShell } from "../platform/shell";
import type { AppEnv, MirrorRender } from "../platform/types";
import { statusApiRoutes } from "../status/api-routes";
import { statusEmbedRoutes } from "../status/embed-routes";
import { statusFeedRoutes } from "../status/feed-routes";
import { statusPageRoutes } from "../status/page-routes";
import { timeHtml } from "../status/render";
import { INCIDENT_TEMPLATE_PATH, kindOf, livePathOf, mirrorPathOf, NOT_FOUND_PATH, SEED_PATHS } from "./paths.pure";
import type { SnapshotFile } from "./publish";
import { mirrorRewriter } from "./rewrite";
import { sha256Hex } from "./targets/types";

/** A bound on what one snapshot may hold: a runaway link structure fails loudly instead. */
export const MAX_SNAPSHOT_FILES = 5_000;

export interface Snapshot {
  files: SnapshotFile[];
  syncedAt: string;
  liveUrl: string;
  mirrorUrl: string;
  /** Addresses linked from a page that answered 404 (the live site 404s them too). */
  missing: string[];
}

/** The public status routes as a render engine for the mirror (see the file comment). */
function mirrorRenderer(context: MirrorRender): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use("*", async (c, next) => {
    c.set("requestId", "mirror");
    c.set("mirror", context);
    await next();
  });
  for (const routes of [statusPageRoutes, statusApiRoutes, statusFeedRoutes, statusEmbedRoutes]) app.route("/", routes);
  const notFound = (c: { env: Env; req: { url: string } }) => renderErrorPage(c.env, c.req.url, new ApiError("not_found", "There is nothing at this address."), "mirror");
  app.notFound((c) => notFound(c));
  app.onError((err, c) => {
    // A missing page is part of a site; anything else fails the whole snapshot.
    if (toApiError(err).status === 404) return notFound(c);
    throw err;
  });
  return app;
}

/** One address as the mirror renders it (not rewritten): the doctor compares summary.json so. */
export async function renderMirrorPath(env: Env, path: string, opts: { liveUrl: string; mirrorUrl: string }): Promise<Response> {
  const app = mirrorRenderer({ liveUrl: opts.liveUrl, mirrorUrl: opts.mirrorUrl });
  return app.fetch(new Request(new URL(path, `${opts.liveUrl}/`).toString()), { ...env, PUBLIC_URL: opts.mirrorUrl });
}

export async function renderSnapshot(env: Env, opts: { liveUrl: string; mirrorUrl: string; now: Date }): Promise<Snapshot> {
  const syncedAt = opts.now.toISOString();
  const context: MirrorRender = { liveUrl: opts.liveUrl, mirrorUrl: opts.mirrorUrl };
  const app = mirrorRenderer(context);
  const renderEnv: Env = { ...env, PUBLIC_URL: opts.mirrorUrl, ASSETS: memoizedAssets(env.ASSETS) };
  // Stands for the sync time until each page's hash is taken; random, so no staff text can hold it.
  const syncedMark = `mirror-synced-${crypto.randomUUID()}`;
  const syncedHtml = html`${timeHtml(syncedAt)}`.toString();
  const requestUrl = (path: string) => new URL(path, `${opts.liveUrl}/`).toString();

  const files: SnapshotFile[] = [];
  const missing: string[] = [];
  const queue = [...SEED_PATHS];
  const seen = new Set(queue);

  while (queue.length > 0) {
    const path = queue.shift()!;
    if (files.length >= MAX_SNAPSHOT_FILES) throw new Error(`The snapshot would hold more than ${MAX_SNAPSHOT_FILES} files.`);
    const res = await fetchPath(path);
    if (res === null) {
      missing.push(path);
      continue;
    }
    const contentType = res.headers.get("content-type") ?? "application/octet-stream";
    if (!contentType.startsWith("text/html")) {
      const body = new Uint8Array(await res.arrayBuffer());
      files.push({ path, body, sha256: await sha256Hex(body), contentType });
      continue;
    }
    const marked = await mirrorRewriter({ liveUrl: opts.liveUrl, path, syncedMark }).transform(res).text();
    for (const link of linksIn(marked)) {
      const next = mirrorPathOf(link);
      if (next && !seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
    const body = new TextEncoder().encode(marked.replaceAll(syncedMark, syncedHtml));
    files.push({ path, body, sha256: await sha256Hex(marked.replaceAll(syncedMark, "")), contentType });
  }
  return { files, syncedAt, liveUrl: opts.liveUrl, mirrorUrl: opts.mirrorUrl, missing };

  /** The path's answer, or null when it is a 404 (other than the error page itself). */
  async function fetchPath(path: string): Promise<Response | null> {
    if (path === INCIDENT_TEMPLATE_PATH) return fetchShell(renderEnv, requestUrl("/"), "/incidents/shell");
    if (kindOf(path) === "asset") {
      const res = await renderEnv.ASSETS.fetch(new Request(requestUrl(path)));
      if (res.status === 404) return null;
      if (!res.ok) throw new Error(`${path}: the site build answered ${res.status}`);
      return res;
    }
    const res = await app.fetch(new Request(requestUrl(path === NOT_FOUND_PATH ? "/_mirror/not-found" : livePathOf(path))), renderEnv);
    if (path === NOT_FOUND_PATH ? res.status === 404 : res.status === 200) return res;
    if (res.status === 404) return null;
    throw new Error(`${livePathOf(path)} answered ${res.status}`);
  }
}

/**
 * The site build, each file read once per snapshot: every incident page is the same shell, and a
 * read of ASSETS may count against the invocation's subrequests.
 */
function memoizedAssets(assets: Fetcher): Fetcher {
  const read = new Map<string, Promise<{ status: number; headers: Headers; body: ArrayBuffer }>>();
  const fetchOnce = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const req = new Request(input, init);
    if (req.method !== "GET") return assets.fetch(req);
    const key = new URL(req.url).pathname;
    let entry = read.get(key);
    if (!entry) {
      entry = assets.fetch(new Request(req.url)).then(async (res) => ({ status: res.status, headers: new Headers(res.headers), body: await res.arrayBuffer() }));
      read.set(key, entry);
    }
    return entry.then((e) => new Response(e.body.slice(0), { status: e.status, headers: e.headers }));
  };
  return { fetch: fetchOnce } as unknown as Fetcher;
}

/** Every href and src of a page the mirror rendered (its own markup: attributes are quoted). */
function linksIn(page: string): string[] {
  return [...page.matchAll(/\s(?:href|src)="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, "&").replace(/&#39;/g, "'").replace(/&quot;/g, '"'));
}
