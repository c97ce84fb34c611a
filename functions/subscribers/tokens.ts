// The secrets in subscription links. A confirmation link carries a random secret whose hash is
// stored with an expiry (a new link replaces the old one). An unsubscribe link must keep
// working in every mail ever sent, so its secret is derived (HMAC of the subscriber id with
// HASH_SALT) rather than stored: rotating HASH_SALT invalidates old unsubscribe links.
import type { Config } from "../platform/config";
import { constantTimeEqual, hmacSha256Hex, randomToken, sha256Hex } from "../platform/crypto";

/** `sub_` + 12 lower-case letters and digits (the shape of status ids). */
export const SUBSCRIBER_ID = /^sub_[a-z0-9]{12}$/;
const TOKEN = /^(sub_[a-z0-9]{12})\.([A-Za-z0-9_-]{16,128})$/;

/** How long a confirmation link works. */
export const CONFIRM_LINK_TTL_MS = 48 * 3_600_000;

export function newSubscriberId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `sub_${Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("")}`;
}

/** A link token's parts, or null when it cannot be one of ours. */
export function parseToken(raw: string): { id: string; secret: string } | null {
  const m = TOKEN.exec(raw);
  return m ? { id: m[1]!, secret: m[2]! } : null;
}

export async function newConfirmToken(id: string): Promise<{ token: string; hash: string }> {
  const secret = randomToken(24);
  return { token: `${id}.${secret}`, hash: await sha256Hex(`subscribe-confirm\n${secret}`) };
}

export async function confirmSecretMatches(secret: string, storedHash: string | null): Promise<boolean> {
  if (!storedHash) return false;
  return constantTimeEqual(await sha256Hex(`subscribe-confirm\n${secret}`), storedHash);
}

async function unsubscribeSecret(config: Pick<Config, "hashSalt">, id: string): Promise<string> {
  return (await hmacSha256Hex(config.hashSalt || "outofband-unsalted", `unsubscribe\n${id}`)).slice(0, 32);
}

export async function unsubscribeToken(config: Pick<Config, "hashSalt">, id: string): Promise<string> {
  return `${id}.${await unsubscribeSecret(config, id)}`;
}

/** The subscriber id an unsubscribe token names, when it is genuine. */
export async function verifyUnsubscribeToken(config: Pick<Config, "hashSalt">, raw: string): Promise<string | null> {
  const parts = parseToken(raw);
  if (!parts) return null;
  return (await constantTimeEqual(parts.secret, await unsubscribeSecret(config, parts.id))) ? parts.id : null;
}

export function confirmUrl(config: Pick<Config, "publicUrl">, token: string): string {
  return `${config.publicUrl}/subscribe/confirm/${token}`;
}

export async function unsubscribeUrl(config: Pick<Config, "publicUrl" | "hashSalt">, id: string): Promise<string> {
  return `${config.publicUrl}/subscribe/unsubscribe/${await unsubscribeToken(config, id)}`;
}
