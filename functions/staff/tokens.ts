// Staff API tokens: a random secret with a recognisable prefix, shown once; only its SHA-256 is
// stored (queries.ts), and lookups are by that hash.
import type { StaffScope } from "../../contract/staff";
import { randomToken, sha256Hex } from "../platform/crypto";
import { findActiveStaffTokenByHash, insertStaffTokenStatement, type StaffToken } from "./queries";

export type { StaffToken } from "./queries";

/** Tokens start with a recognisable prefix so secret scanners and people can spot a leak. */
export const TOKEN_PREFIX = "oob_";

export function newStaffTokenSecret(): string {
  return TOKEN_PREFIX + randomToken(32);
}

export async function createStaffToken(
  db: D1Database,
  input: { name: string; scopes: StaffScope[]; now: Date; memberId?: string | null },
): Promise<{ token: StaffToken; secret: string }> {
  const { statement, token, secret } = await createStaffTokenStatement(db, input);
  await statement.run();
  return { token, secret };
}

/** The same as a statement, for a D1 batch with its audit row. */
export async function createStaffTokenStatement(
  db: D1Database,
  input: { name: string; scopes: StaffScope[]; now: Date; memberId?: string | null },
): Promise<{ statement: D1PreparedStatement; token: StaffToken; secret: string }> {
  const secret = newStaffTokenSecret();
  const id = crypto.randomUUID();
  const memberId = input.memberId ?? null;
  const statement = insertStaffTokenStatement(db, { id, name: input.name, tokenHash: await sha256Hex(secret), scopes: input.scopes, now: input.now, memberId });
  return {
    statement,
    secret,
    token: { id, name: input.name, scopes: input.scopes, createdAt: input.now.toISOString(), lastUsedAt: null, revokedAt: null, memberId },
  };
}

/** Finds an active token by its secret. The lookup is by hash, so it leaks nothing by timing. */
export async function findActiveStaffToken(db: D1Database, secret: string): Promise<StaffToken | null> {
  return findActiveStaffTokenByHash(db, await sha256Hex(secret));
}
