// Signed, expiring acknowledgement tokens: /ack/{token}. Whoever holds the link may
// acknowledge that one alert as that person until it expires; nothing else. The token is
// readable (alert, person, expiry) so that it stays short enough for an SMS.
//   token = alertId "." personId "." expiry (unix seconds, base 36) "." signature
//   signature = first 32 hex digits (128 bits) of HMAC-SHA256(ACK_SIGNING_KEY, "ack:" + the rest)
import { constantTimeEqual, hmacSha256Hex } from "../platform/crypto";

export interface AckClaim {
  alertId: string;
  personId: string;
  expiresAt: Date;
}

const PART = /^[A-Za-z0-9_-]{1,80}$/;

async function signature(key: string, payload: string): Promise<string> {
  return (await hmacSha256Hex(key, `ack:${payload}`)).slice(0, 32);
}

export async function signAckToken(key: string, claim: AckClaim): Promise<string> {
  if (!key) throw new Error("ACK_SIGNING_KEY is not set: acknowledgement links cannot be signed.");
  if (!PART.test(claim.alertId) || !PART.test(claim.personId)) throw new Error("alert and person ids must be URL-safe");
  const payload = `${claim.alertId}.${claim.personId}.${Math.floor(claim.expiresAt.getTime() / 1000).toString(36)}`;
  return `${payload}.${await signature(key, payload)}`;
}

export type AckTokenCheck = { ok: true; claim: AckClaim } | { ok: false; reason: "malformed" | "bad_signature" | "expired" };

export async function verifyAckToken(key: string, token: string, now: Date): Promise<AckTokenCheck> {
  const parts = token.split(".");
  if (parts.length !== 4 || !key) return { ok: false, reason: "malformed" };
  const [alertId, personId, exp, sig] = parts as [string, string, string, string];
  if (!PART.test(alertId) || !PART.test(personId) || !/^[0-9a-z]{1,12}$/.test(exp) || !/^[0-9a-f]{32}$/.test(sig)) return { ok: false, reason: "malformed" };
  const expected = await signature(key, `${alertId}.${personId}.${exp}`);
  if (!(await constantTimeEqual(sig, expected))) return { ok: false, reason: "bad_signature" };
  const expiresAt = new Date(parseInt(exp, 36) * 1000);
  if (expiresAt.getTime() <= now.getTime()) return { ok: false, reason: "expired" };
  return { ok: true, claim: { alertId, personId, expiresAt } };
}
