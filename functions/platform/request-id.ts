import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./types";

/**
 * Every request gets an id, echoed in X-Request-Id and in every error body, so a customer's
 * screenshot of an error can be found in the logs. Cloudflare's Ray id is used when present.
 */
export function requestId(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const ray = c.req.header("cf-ray");
    const id = ray && /^[A-Za-z0-9-]{1,64}$/.test(ray) ? ray : crypto.randomUUID();
    c.set("requestId", id);
    await next();
    c.header("X-Request-Id", id);
  };
}
