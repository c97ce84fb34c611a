// How our outgoing webhooks are signed (on-call's webhook channel and subscriber webhooks), as
// Stripe signs its own: header `X-Outofband-Signature: t=<unix seconds>,v1=<hex>` where
// v1 = HMAC-SHA256(secret, `${t}.${body}`). Receivers check it in constant time and reject a t
// older than five minutes (replay window); verifyWebhookSignature is what they may copy.
import { constantTimeEqual, hmacSha256Hex } from "./crypto";

export const WEBHOOK_SIGNATURE_HEADER = "X-Outofband-Signature";
export const WEBHOOK_REPLAY_WINDOW_SECONDS = 300;

export async function signWebhook(secret: string, body: string, nowSeconds: number): Promise<string> {
  return `t=${nowSeconds},v1=${await hmacSha256Hex(secret, `${nowSeconds}.${body}`)}`;
}

export async function verifyWebhookSignature(secret: string, header: string | null, body: string, nowSeconds: number): Promise<boolean> {
  if (!header) return false;
  const parts = Object.fromEntries(header.split(",").map((p) => p.trim().split("=", 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1) return false;
  if (Math.abs(nowSeconds - t) > WEBHOOK_REPLAY_WINDOW_SECONDS) return false;
  return constantTimeEqual(parts.v1, await hmacSha256Hex(secret, `${t}.${body}`));
}
