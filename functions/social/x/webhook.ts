// /hooks/x: X pushes mentions and DMs here (Account Activity API, or X Activity API webhooks).
//   GET  ?crc_token=...   the challenge-response check: X sends it on registration and hourly;
//                         we answer {"response_token": "sha256=" + base64(HMAC-SHA256(consumer
//                         secret, crc_token))}.
//   POST                  events, signed: x-twitter-webhooks-signature is "sha256=" + base64 of
//                         HMAC-SHA256(consumer secret, the raw body). Checked in constant time
//                         before anything is parsed; missing or wrong is 401 and changes nothing.
// X's signature covers the body only (no timestamp), so a captured delivery can be replayed:
// a replay stores nothing new, because every post and DM event is stored once by its id (and
// X itself asks receivers to deduplicate by event id). What arrives is stored first and
// answered 200 at once; it becomes reports in the same invocation after the answer (and by
// the queue and the cron if that is cut short).
import { Hono } from "hono";
import { findCheck, recordCheckFailure, recordCheckSuccess } from "../../assurance/queries";
import { readBodyText } from "../../platform/body";
import { constantTimeEqual } from "../../platform/crypto";
import { ApiError } from "../../platform/errors";
import type { AppEnv } from "../../platform/types";
import type { Usage } from "../spend.pure";
import { storeInbound } from "../store";
import { xSelfId } from "./client";
import { parseWebhook } from "./payload.pure";

/** X's deliveries are a few KB; an Account Activity batch stays far below this. */
export const MAX_WEBHOOK_BYTES = 256 * 1024;
const MAX_CRC_TOKEN = 512;
/** The assurance check each answered CRC refreshes (read by the path canary's round trip). */
export const X_CRC_CHECK = "social:x:crc";
/** Anyone can send a CRC: its record is written at most this often, so a flood is a few rows. */
export const CRC_RECORD_EVERY_MS = 60_000;

const encoder = new TextEncoder();

/** "sha256=" + base64(HMAC-SHA256(secret, message)): X's CRC answer and its body signature alike. */
export async function xSignature(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(message)));
  return `sha256=${btoa(String.fromCharCode(...mac))}`;
}

export async function verifyXSignature(secret: string, header: string | null | undefined, body: string): Promise<boolean> {
  if (!secret || !header) return false;
  return constantTimeEqual(header.trim(), await xSignature(secret, body));
}

function webhookSettings(env: Env): { secret: string; self: string } {
  const secret = env.X_CONSUMER_SECRET ?? "";
  const self = xSelfId(env);
  if (!secret || !self) throw new ApiError("not_found", "X webhooks are not set up here (X_CONSUMER_SECRET and the account, X_USER_ID or X_ACCESS_TOKEN).");
  return { secret, self };
}

/**
 * Notes that a CRC was answered, for the canary's round trip. A CRC carries no signature, so
 * anyone can send one: this is only the Worker's side of the story (X's own verdict, `valid`,
 * is what the canary judges by), and it is written at most once a minute.
 */
async function noteCrcAnswered(db: D1Database, now: Date): Promise<void> {
  try {
    const last = await findCheck(db, X_CRC_CHECK);
    if (last?.lastVerifiedAt && now.getTime() - Date.parse(last.lastVerifiedAt) < CRC_RECORD_EVERY_MS) return;
    await recordCheckSuccess(db, X_CRC_CHECK, now, { check: "answered a CRC check at /hooks/x" });
  } catch (err) {
    // The answer matters more than its record: X gets it even when D1 is down.
    console.error("x webhook: the CRC answer could not be recorded", err);
  }
}

export const xWebhookRoutes = new Hono<AppEnv>()
  .get("/hooks/x", async (c) => {
    const { secret } = webhookSettings(c.get("services").channelSettings);
    const token = c.req.query("crc_token");
    if (!token) throw new ApiError("bad_request", "A CRC check carries a crc_token query parameter.");
    if (token.length > MAX_CRC_TOKEN) throw new ApiError("bad_request", `The crc_token is longer than ${MAX_CRC_TOKEN} characters.`);
    c.header("Cache-Control", "no-store");
    const answer = { response_token: await xSignature(secret, token) };
    await noteCrcAnswered(c.get("services").db, new Date());
    return c.json(answer);
  })
  .post("/hooks/x", async (c) => {
    const svc = c.get("services");
    const { secret, self } = webhookSettings(svc.channelSettings);
    const body = await readBodyText(c.req.raw, MAX_WEBHOOK_BYTES);
    const now = new Date();
    if (!(await verifyXSignature(secret, c.req.header("x-twitter-webhooks-signature"), body))) {
      throw new ApiError("unauthorized", "The x-twitter-webhooks-signature header is missing or does not match this body.");
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      await recordCheckFailure(svc.db, "social:x:webhook", now, "a signed delivery was not JSON");
      throw new ApiError("bad_request", "The body is not JSON.");
    }
    const parsed = parseWebhook(json, self, now);
    // X Activity API deliveries are billed per event (the Account Activity API is a contract).
    const usage: Usage = {};
    for (const event of parsed.events) {
      if (event.startsWith("post.")) usage.post_read = (usage.post_read ?? 0) + 1;
      if (event.startsWith("dm.") && event !== "dm.read" && event !== "dm.indicate_typing" && event !== "dm.sent") usage.dm_read = (usage.dm_read ?? 0) + 1;
    }
    const fresh = await storeInbound(svc, "x", parsed.messages, "webhook", now, usage);
    await recordCheckSuccess(svc.db, "social:x:webhook", now, { messages: parsed.messages.length, new: fresh, malformed: parsed.malformed });
    c.header("Cache-Control", "no-store");
    return c.json({ received: parsed.messages.length, new: fresh, malformed: parsed.malformed, ignored: parsed.ignored });
  });
