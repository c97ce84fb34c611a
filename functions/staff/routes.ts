import { Hono } from "hono";
import { listChecks } from "../assurance/checks";
import type { AppEnv } from "../platform/types";
import { requireStaff } from "./auth";

/** Staff routes of the foundation. Every route under /api/admin and /admin needs a token. */
export const staffRoutes = new Hono<AppEnv>()
  .use("/api/admin/*", requireStaff())
  .use("/admin", requireStaff())
  .use("/admin/*", requireStaff())
  .get("/api/admin/whoami", (c) => {
    const staff = c.get("staff");
    return c.json({ name: staff.name, scopes: staff.scopes });
  })
  .get("/api/admin/assurance", async (c) => {
    c.header("Cache-Control", "no-store");
    const checks = await listChecks(c.env.DB);
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
