// What other sites embed: `/badge.svg` (the overall status as an image) and `/embed.js` (a
// banner script showing active incidents and maintenance). Both are fetched cross-site.
import { Hono } from "hono";
import type { Indicator } from "../../contract/status";
import { readConfig } from "../platform/config";
import type { AppEnv } from "../platform/types";
import { badgeSvg } from "./badge";
import { cachedResponse, conditionalGet, isMirrorRender, PUBLIC_CACHE_CONTROL } from "./cache";
import { statusIndicator } from "./indicator.pure";
import { loadCurrentStatus } from "./queries";

function badgeResponse(indicator: Indicator | "unknown", description: string, cacheControl: string): Response {
  const svg = badgeSvg("status", indicator, description);
  return new Response(svg, { headers: { "content-type": "image/svg+xml; charset=utf-8", "cache-control": cacheControl } });
}

export const statusEmbedRoutes = new Hono<AppEnv>()
  .use("/badge.svg", conditionalGet)
  .get("/badge.svg", async (c) => {
    try {
      return await cachedResponse(c, async () => {
        const { indicator, description } = statusIndicator(await loadCurrentStatus(c.env.DB));
        return badgeResponse(indicator, description, PUBLIC_CACHE_CONTROL);
      });
    } catch (err) {
      if (isMirrorRender(c)) throw err;
      console.error("badge: live data unavailable", err);
      return badgeResponse("unknown", "status unavailable", "no-store");
    }
  })
  .get("/embed.js", async (c) => {
    // The script is a static file (public/embed.js); served here for its cross-site headers
    // and the two addresses it asks, the live site's and the mirror's (where the mirror's copy
    // of this script asks too: the live one first).
    const res = await c.env.ASSETS.fetch(new Request(new URL("/embed.js", c.req.url)));
    const config = readConfig(c.env);
    const live = c.get("mirror")?.liveUrl ?? config.publicUrl;
    const mirror = c.get("mirror")?.mirrorUrl ?? config.mirrorUrl;
    const inJsString = (value: string) => JSON.stringify(value).slice(1, -1).replace(/</g, "\\u003c");
    const script = (await res.text()).replace("%%LIVE%%", () => inJsString(live)).replace("%%MIRROR%%", () => inJsString(mirror));
    const out = new Response(script, res);
    out.headers.delete("etag");
    out.headers.delete("content-length");
    out.headers.set("cache-control", "public, max-age=3600");
    out.headers.set("access-control-allow-origin", "*");
    out.headers.set("cross-origin-resource-policy", "cross-origin");
    return out;
  });
