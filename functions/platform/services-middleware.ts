import type { MiddlewareHandler } from "hono";
import { buildServices, type JobRunner } from "./services";
import type { AppEnv } from "./types";

/** Builds the services once per request; routes read them with `c.get("services")`. */
export function services(runner?: JobRunner): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    let waitUntil: ((work: Promise<unknown>) => void) | undefined;
    try {
      const ctx = c.executionCtx;
      waitUntil = (work) => ctx.waitUntil(work);
    } catch {
      // No execution context (app.request in a test): deferred work simply runs on.
    }
    c.set("services", buildServices(c.env, waitUntil, runner));
    await next();
  };
}
