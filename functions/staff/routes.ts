import { Hono } from "hono";
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
  });
