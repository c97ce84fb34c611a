// The public ping endpoints, as healthchecks.io takes them: GET, HEAD or POST
//   /heartbeat/{token}              success
//   /heartbeat/{token}/start        a run started (a run that never finishes is late after grace)
//   /heartbeat/{token}/fail         failure
//   /heartbeat/{token}/{0-255}      exit status: 0 success, anything else failure
// An optional body (a log, e.g. the agent's findings) is kept, bounded. The answer is "OK".
// Unknown tokens are 404 with our JSON error; each token (and each sender of unknown tokens)
// is rate-limited; bodies over 100 KB are 413.
import { Hono, type Context } from "hono";
import { readBodyText } from "../platform/body";
import { ApiError } from "../platform/errors";
import type { AppEnv } from "../platform/types";
import { parsePingAction } from "./heartbeat.pure";
import { afterPing, recordHeartbeatPing } from "./heartbeat-ping";
import { findHeartbeatByTokenHash, loadActiveMonitorsConfig } from "./queries";
import { clientHash, heartbeatTokenHash } from "./tokens";

/** Bodies up to this size are accepted (healthchecks.io's limit); the first 10 KB are kept. */
export const MAX_PING_BODY_BYTES = 100 * 1024;
export const RATE_LIMIT_RETRY_SECONDS = 60;

function unknownHeartbeat(): ApiError {
  return new ApiError("not_found", "There is no heartbeat with this token. Check the ping URL.");
}

async function limit(env: Env, key: string): Promise<void> {
  const { success } = await env.HEARTBEAT_LIMITER.limit({ key });
  if (!success) {
    throw new ApiError("rate_limited", "Too many pings in a short time. A heartbeat needs one ping per run; wait a minute.", {
      headers: { "Retry-After": String(RATE_LIMIT_RETRY_SECONDS) },
    });
  }
}

async function handlePing(c: Context<AppEnv>, segment: string | undefined): Promise<Response> {
  const env = c.env;
  const svc = c.get("services");
  const token = c.req.param("token") ?? "";
  const action = parsePingAction(segment);
  // Every token is hashed and looked up, well-formed or not, so no answer is faster for being
  // close to a real token.
  const tokenHash = await heartbeatTokenHash(token.slice(0, 256));
  const heartbeatId = await findHeartbeatByTokenHash(svc.db, tokenHash);
  const stored = heartbeatId && action ? await loadActiveMonitorsConfig(svc.db, { lenient: true }) : null;
  const heartbeat = stored?.config.heartbeats.find((h) => h.id === heartbeatId);
  const sender = await clientHash(svc.config.hashSalt, c.req.raw);
  if (!heartbeat || !action) {
    await limit(env, `heartbeat-miss:${sender ?? "no-address"}`);
    throw unknownHeartbeat();
  }
  await limit(env, `heartbeat:${tokenHash}`);

  const text = c.req.method === "POST" ? await readBodyText(c.req.raw, MAX_PING_BODY_BYTES) : "";
  const now = new Date();
  const received = await recordHeartbeatPing(svc.db, heartbeat, action, text, sender, now);
  // Assurance and the change's effects run after the answer: the pinging script needs only "OK".
  svc.defer(afterPing(svc, stored!.config, heartbeat, action, received, now).catch((err: unknown) => console.error(`heartbeat ${heartbeat.id}: follow-up failed`, err)));

  c.header("Cache-Control", "no-store");
  return c.text("OK");
}

export const heartbeatRoutes = new Hono<AppEnv>()
  .on(["GET", "POST"], "/heartbeat/:token", (c) => handlePing(c, undefined))
  .on(["GET", "POST"], "/heartbeat/:token/:action", (c) => handlePing(c, c.req.param("action")));
