import type { Context } from "hono";
import type { AppEnv } from "./types";

/**
 * The request's waitUntil, for work that may finish after the answer (mail, cache writes).
 * Hono throws when there is no execution context (a direct app.fetch in tests): then there is
 * none to give, and callers simply let the promise run.
 */
export function waitUntilOf(c: Context<AppEnv>): ((p: Promise<unknown>) => void) | undefined {
  let ctx: Context<AppEnv>["executionCtx"];
  try {
    ctx = c.executionCtx;
  } catch {
    return undefined;
  }
  return (p) => ctx.waitUntil(p);
}
