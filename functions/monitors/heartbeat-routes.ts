// The public ping endpoints, as healthchecks.io takes them: GET, HEAD or POST
//   /heartbeat/{token}              success
//   /heartbeat/{token}/start        a run started (a run that never finishes is late after grace)
//   /heartbeat/{token}/fail         failure
//   /heartbeat/{token}/{0-255}      exit status: 0 success, anything else failure
// An optional body (a log, e.g. the agent's findings) is kept, bounded. The answer is "OK".
// Unknown tokens are 404 with our JSON error; each token (and each sender of unknown tokens)
// is rate-limited; bodies over 100 KB are 413.
import { Hono, type Context } from "hono";
import { recordCheckFailure, recordCheckSuccess } from "../assurance/checks";
import { readBodyText } from "../platform/body";
import { ApiError } from "../platform/errors";
import type { AppEnv } from "../platform/types";
import { waitUntilOf } from "../platform/wait-until";
import { commitEvaluation } from "./commit";
import { dispatchServices, dispatchTransitions } from "./dispatch";
import { parsePingAction, sanitizePingBody, type PingAction } from "./heartbeat.pure";
import { ensureStateStatement, findHeartbeatByTokenHash, insertPingStatement, loadActiveMonitorsConfig, loadState, prunePingsStatement } from "./queries";
import { clientHash, heartbeatTokenHash } from "./tokens";
import { evaluateObservation, heartbeatDefinition, recordPing } from "./watch.pure";

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

function pingReason(action: PingAction, body: string): string {
  const firstLine = body.split("\n").find((l) => l.trim() !== "")?.trim().slice(0, 200);
  const said = firstLine ? ` It said: "${firstLine}"` : "";
  if (action.kind === "success") return `A success ping came in.${said}`;
  if (action.exitStatus !== null) return `The job exited with status ${action.exitStatus}.${said}`;
  return `The job reported a failure.${said}`;
}

async function handlePing(c: Context<AppEnv>, segment: string | undefined): Promise<Response> {
  const env = c.env;
  const token = c.req.param("token") ?? "";
  const action = parsePingAction(segment);
  // Every token is hashed and looked up, well-formed or not, so no answer is faster for being
  // close to a real token.
  const tokenHash = await heartbeatTokenHash(token.slice(0, 256));
  const heartbeatId = await findHeartbeatByTokenHash(env.DB, tokenHash);
  const stored = heartbeatId && action ? await loadActiveMonitorsConfig(env.DB, { lenient: true }) : null;
  const heartbeat = stored?.config.heartbeats.find((h) => h.id === heartbeatId);
  const sender = await clientHash(env, c.req.raw);
  if (!heartbeat || !action) {
    await limit(env, `heartbeat-miss:${sender ?? "no-address"}`);
    throw unknownHeartbeat();
  }
  await limit(env, `heartbeat:${tokenHash}`);

  const text = c.req.method === "POST" ? await readBodyText(c.req.raw, MAX_PING_BODY_BYTES) : "";
  const { body } = sanitizePingBody(text);
  const now = new Date();
  const def = heartbeatDefinition(heartbeat);
  const reason = pingReason(action, body);
  const extra = [
    insertPingStatement(env.DB, { heartbeatId: heartbeat.id, kind: action.kind, exitStatus: action.exitStatus, at: now, body: body || null, bodyBytes: new TextEncoder().encode(text).byteLength, clientHash: sender }),
    prunePingsStatement(env.DB, heartbeat.id),
  ];
  let transition: string | null = null;
  // A concurrent ping or cron run may write the state between our read and write: read again.
  for (let attempt = 0; attempt < 3; attempt++) {
    let state = await loadState(env.DB, "heartbeat", heartbeat.id);
    if (!state) {
      await ensureStateStatement(env.DB, "heartbeat", heartbeat.id, now).run();
      state = (await loadState(env.DB, "heartbeat", heartbeat.id))!;
    }
    const pinged = recordPing(state, action, now);
    const ev =
      pinged.observation && heartbeat.enabled
        ? evaluateObservation(pinged.state, def, pinged.observation, reason, now)
        : { next: { ...pinged.state, seq: state.seq + 1 }, plan: null };
    const committed = await commitEvaluation(env.DB, state, ev, reason, now, attempt === 0 ? extra : []);
    if (committed.won) {
      transition = committed.transitionId;
      break;
    }
  }

  const background = (async () => {
    if (action.kind === "success") await recordCheckSuccess(env.DB, `heartbeat:${heartbeat.id}`, now, { kind: action.kind });
    if (action.kind === "fail") await recordCheckFailure(env.DB, `heartbeat:${heartbeat.id}`, now, reason);
    if (transition) await dispatchTransitions(dispatchServices(env), now, { watch: { source: "heartbeat", watchId: heartbeat.id }, config: stored!.config });
  })().catch((err: unknown) => console.error(`heartbeat ${heartbeat.id}: follow-up failed`, err));
  const waitUntil = waitUntilOf(c);
  if (waitUntil) waitUntil(background);
  else await background;

  c.header("Cache-Control", "no-store");
  return c.text("OK");
}

export const heartbeatRoutes = new Hono<AppEnv>()
  .on(["GET", "POST"], "/heartbeat/:token", (c) => handlePing(c, undefined))
  .on(["GET", "POST"], "/heartbeat/:token/:action", (c) => handlePing(c, c.req.param("action")));
