// Staff API tokens: a random secret with a recognisable prefix, shown once; only its SHA-256 is
// stored (queries.ts), and lookups are by that hash.
import type { StaffScope } from "../../contract/staff";
import { randomToken, sha256Hex } from "../platform/crypto";
import { findActiveStaffTokenByHash, insertStaffToken, type StaffToken } from "./queries";

export type { StaffToken } from "./queries";

/** Tokens start with a recognisable prefix so secret scanners and people can spot a leak. */
export const TOKEN_PREFIX = "oob_";

export function newStaffTokenSecret(): string {
  return TOKEN_PREFIX + randomToken(32);
}

export async function createStaffToken(
  db: D1Database,
  input: { name: string; scopes: StaffScope[]; now: Date },
): Promise<{ token: StaffToken; secret: string }> {
  const secret = newStaffTokenSecret();
  const id = crypto.randomUUID();
  await insertStaffToken(db, { id, name: input.name, tokenHash: await sha256Hex(secret), scopes: input.scopes, now: input.now });
  return {
    secret,
    token: { id, name: input.name, scopes: input.scopes, createdAt: input.now.toISOString(), lastUsedAt: null, revokedAt: null },
  };
}

/** Finds an active token by its secret. The lookup is by hash, so it leaks nothing by timing. */
export async function findActiveStaffToken(db: D1Database, secret: string): Promise<StaffToken | null> {
  return findActiveStaffTokenByHash(db, await sha256Hex(secret));
}
