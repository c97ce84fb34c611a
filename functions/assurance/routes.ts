// GET /api/admin/assurance: every intake path, the cron, the queue and each on-call channel
// with when it last worked and its last error (authenticated by the staff routes).
import { Hono } from "hono";
import type { AppEnv } from "../platform/types";
import { canaryView } from "./paths-view";
import { listChecks } from "./queries";

export const assuranceRoutes = new Hono<AppEnv>().get("/api/admin/assurance", async (c) => {
  c.header("Cache-Control", "no-store");
  const db = c.get("services").db;
  const checks = await listChecks(db);
  return c.json({
    // The path canary's verdicts (paths-view.ts): paths, channels, the mail round trip.
    ...(await canaryView(db, c.env, new Date(), checks)),
    checks: checks.map((ch) => ({
      name: ch.name,
      last_verified_at: ch.lastVerifiedAt,
      last_error: ch.lastError,
      last_error_at: ch.lastErrorAt,
      detail: ch.detail,
    })),
  });
});
