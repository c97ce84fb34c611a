// Report references and the reporter's private view token. Pure: no env, no D1.
import { hmacSha256Hex, randomToken, sha256Hex } from "../platform/crypto";

/** Crockford's base32: no I, L, O, U, so a reference read out on the phone is unambiguous. */
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
export const REFERENCE_PREFIX = "R-";
const REFERENCE_LENGTH = 8;

/** A new random reference such as "R-7K3M9Q2X" (40 bits: collisions are retried by intake). */
export function newReference(random: (n: number) => Uint8Array = (n) => crypto.getRandomValues(new Uint8Array(n))): string {
  const bytes = random(REFERENCE_LENGTH);
  let out = "";
  for (const byte of bytes) out += CROCKFORD[byte & 31];
  return REFERENCE_PREFIX + out;
}

/**
 * Reads a reference as people type or say it: any case, with or without the prefix, spaces
 * or dashes, and the look-alikes Crockford allows (I/L -> 1, O -> 0). Null when it cannot be one.
 */
export function parseReference(input: string): string | null {
  if (input.length > 40) return null;
  let body = input.trim().toUpperCase();
  const prefixed = /^R\s*-/.test(body);
  body = body.replace(/^R\s*-/, "").replace(/[\s-]/g, "");
  if (!prefixed && body.length === REFERENCE_LENGTH + 1 && body.startsWith("R")) body = body.slice(1);
  body = body.replace(/[IL]/g, "1").replace(/O/g, "0");
  if (body.length !== REFERENCE_LENGTH) return null;
  for (const ch of body) if (!CROCKFORD.includes(ch)) return null;
  return REFERENCE_PREFIX + body;
}

/**
 * The secret of the reporter's private link. Derived from the report id with the deployment's
 * HASH_SALT, so an idempotent replay can hand out the same link again; only its SHA-256 is
 * stored, so the database alone never opens a report. Without a salt (misconfigured), a
 * random token is used and a replay answers without a link.
 */
export async function viewTokenFor(reportId: string, salt: string): Promise<string> {
  if (!salt) return randomToken(24);
  const mac = await hmacSha256Hex(salt, `report-view:${reportId}`);
  // 128 bits, URL-safe.
  return mac.slice(0, 32);
}

export function hashViewToken(token: string): Promise<string> {
  return sha256Hex(`report-view-token:${token}`);
}

/** The private link a reporter keeps. */
export function privateViewUrl(publicUrl: string, reference: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/r/${encodeURIComponent(reference)}?k=${encodeURIComponent(token)}`;
}
