// GET /api/admin/assurance: every intake path, the cron, the queue and each on-call channel
// with when it last worked and its last error, what is drifting and the weekly test page
// (authenticated by the staff routes).
import { Hono } from "hono";
import type { AppEnv } from "../platform/types";
import { canaryView } from "./paths-view";
import { listChecks } from "./queries";
import { watchView } from "./watch/view";

export const assuranceRoutes = new Hono<AppEnv>().get("/api/admin/assurance", async (c) => {
  c.header("Cache-Control", "no-store");
  const db = c.get("services").db;
  const now = new Date();
  const checks = await listChecks(db);
  return c.json({
    // The path canary's verdicts (paths-view.ts): paths, channels, the mail round trip.
    ...(await canaryView(db, c.env, now, checks)),
    // The watch (watch/view.ts): what is drifting now, the weekly human-path check.
    ...(await watchView(db, c.env, now)),
    checks: checks.map((ch) => ({
      name: ch.name,
      last_verified_at: ch.lastVerifiedAt,
      last_error: ch.lastError,
      last_error_at: ch.lastErrorAt,
      detail: ch.detail,
    })),
  });
});
