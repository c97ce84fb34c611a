import { Hono } from "hono";
import type { AppEnv } from "../platform/types";
import { pingDatabase } from "./queries";

/** GET /healthz: is the Worker up and can it reach its database? 503 when it cannot. */
export const healthRoutes = new Hono<AppEnv>().get("/healthz", async (c) => {
  const started = Date.now();
  let database: "ok" | "unavailable" = "ok";
  try {
    await pingDatabase(c.env.DB);
  } catch (err) {
    console.error("healthz: database unavailable", err);
    database = "unavailable";
  }
  const ok = database === "ok";
  c.header("Cache-Control", "no-store");
  return c.json({ status: ok ? "ok" : "degraded", checks: { database }, latencyMs: Date.now() - started }, ok ? 200 : 503);
});
