// Heartbeat tokens: the secret part of a ping URL. 32 random bytes (256 bits), so guessing is
// hopeless; only a SHA-256 is stored and pings are looked up by it, which also means lookup
// time depends on the hash, not on how much of a guess matches a real token.
import { hmacSha256Hex, randomToken, sha256Hex } from "../platform/crypto";

export function newHeartbeatToken(): string {
  return `hb_${randomToken(32)}`;
}

export function heartbeatTokenHash(token: string): Promise<string> {
  return sha256Hex(`heartbeat:${token}`);
}

export function pingUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/$/, "")}/heartbeat/${token}`;
}

/** Salted hash of the sender's address (as reports keep it): never the address itself. */
export async function clientHash(salt: string, req: Request): Promise<string | null> {
  const ip = req.headers.get("cf-connecting-ip")?.trim();
  if (!ip || ip.length > 64) return null;
  return hmacSha256Hex(salt || "outofband-unsalted", `client:${ip}`);
}
