// Atom and RSS feeds of incidents and maintenance (`/history.atom`, `/history.rss`), cached by
// version like every public answer.
import { Hono, type Context } from "hono";
import type { AppEnv } from "../platform/types";
import { cachedResponse, conditionalGet, PUBLIC_CACHE_CONTROL } from "./cache";
import { atomFeed, rssFeed } from "./feeds";
import type { Incident } from "./model.pure";
import { listIncidents } from "./queries";

async function feedItems(env: Env): Promise<Incident[]> {
  const [incidents, maintenances] = await Promise.all([
    listIncidents(env.DB, { kind: "incident", limit: 50 }),
    listIncidents(env.DB, { kind: "maintenance", limit: 25 }),
  ]);
  return [...incidents, ...maintenances].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)).slice(0, 50);
}

function feedResponse(c: Context<AppEnv>, type: string, make: () => Promise<string>): Promise<Response> {
  return cachedResponse(c, async () => new Response(await make(), { headers: { "content-type": type, "cache-control": PUBLIC_CACHE_CONTROL, "access-control-allow-origin": "*" } }));
}

export const statusFeedRoutes = new Hono<AppEnv>()
  .use("/history.atom", conditionalGet)
  .use("/history.rss", conditionalGet)
  .get("/history.atom", (c) => feedResponse(c, "application/atom+xml; charset=utf-8", async () => atomFeed(await feedItems(c.env), c.env.PUBLIC_URL)))
  .get("/history.rss", (c) => feedResponse(c, "application/rss+xml; charset=utf-8", async () => rssFeed(await feedItems(c.env), c.env.PUBLIC_URL)));
