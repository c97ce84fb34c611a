import { Hono } from "hono";
import { siteConfig } from "../../site.config";
import type { AppEnv } from "../platform/types";
import { fetchShell, liveResponse, setText } from "../platform/shell";
import { overallIndicator } from "./indicator";
import { loadStatusSnapshot } from "./queries";

function pageObject(env: Env, updatedAt: string | null) {
  return {
    id: "outofband",
    name: siteConfig.name,
    url: env.PUBLIC_URL,
    time_zone: siteConfig.timezone,
    updated_at: updatedAt ?? new Date(0).toISOString(),
  };
}

export const statusRoutes = new Hono<AppEnv>()
  .get("/api/v2/status.json", async (c) => {
    const snapshot = await loadStatusSnapshot(c.env.DB);
    c.header("Access-Control-Allow-Origin", "*");
    c.header("Cache-Control", "public, max-age=10");
    return c.json({ page: pageObject(c.env, snapshot.updatedAt), status: overallIndicator(snapshot) });
  })
  .get("/", async (c) => {
    const shell = await fetchShell(c.env, c.req.url, "/index.html");
    try {
      const snapshot = await loadStatusSnapshot(c.env.DB);
      const { indicator, description } = overallIndicator(snapshot);
      let rewriter = setText(new HTMLRewriter(), "[data-slot=overall-status]", description).on("[data-slot=live-unavailable]", {
        element(el) {
          el.remove();
        },
      });
      rewriter = rewriter.on("[data-slot=overall]", {
        element(el) {
          el.setAttribute("data-indicator", indicator);
        },
      });
      return liveResponse(rewriter.transform(shell));
    } catch (err) {
      // A status page never answers 5xx: the static shell with its "live status unavailable"
      // notice (shown by default, hidden once live data is filled in) is the fallback.
      console.error("status page: live data unavailable", err);
      return liveResponse(shell);
    }
  });
