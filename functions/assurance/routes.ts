// GET /api/admin/assurance: every intake path, the cron, the queue and each on-call channel
// with when it last worked and its last error (authenticated by the staff routes).
import { Hono } from "hono";
import type { AppEnv } from "../platform/types";
import { listChecks } from "./queries";

export const assuranceRoutes = new Hono<AppEnv>().get("/api/admin/assurance", async (c) => {
  c.header("Cache-Control", "no-store");
  const checks = await listChecks(c.get("services").db);
  return c.json({
    checks: checks.map((ch) => ({
      name: ch.name,
      last_verified_at: ch.lastVerifiedAt,
      last_error: ch.lastError,
      last_error_at: ch.lastErrorAt,
      detail: ch.detail,
    })),
  });
});
