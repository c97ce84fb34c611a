// Staff API tokens: stored as SHA-256 hashes with their scopes. Queries take the binding first.
import { StaffScope, type StaffScope as Scope } from "../../contract/staff";
import { randomToken, sha256Hex } from "../platform/crypto";

export interface StaffToken {
  id: string;
  name: string;
  scopes: Scope[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  /** The console member it belongs to: what it writes is theirs (their name under replies). */
  memberId: string | null;
}

interface StaffTokenRow {
  id: string;
  name: string;
  scopes: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  member_id: string | null;
}

/** Tokens start with a recognisable prefix so secret scanners and people can spot a leak. */
export const TOKEN_PREFIX = "oob_";

export function newStaffTokenSecret(): string {
  return TOKEN_PREFIX + randomToken(32);
}

export function parseScopes(text: string): Scope[] {
  return text
    .split(/\s+/)
    .filter(Boolean)
    .flatMap((s) => {
      const parsed = StaffScope.safeParse(s);
      return parsed.success ? [parsed.data] : [];
    });
}

function toStaffToken(row: StaffTokenRow): StaffToken {
  return {
    id: row.id,
    name: row.name,
    scopes: parseScopes(row.scopes),
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    memberId: row.member_id,
  };
}

export async function createStaffToken(
  db: D1Database,
  input: { name: string; scopes: Scope[]; now: Date; memberId?: string | null },
): Promise<{ token: StaffToken; secret: string }> {
  const { statement, token, secret } = await createStaffTokenStatement(db, input);
  await statement.run();
  return { token, secret };
}

/** The same as a statement, for a D1 batch with its audit row. */
export async function createStaffTokenStatement(
  db: D1Database,
  input: { name: string; scopes: Scope[]; now: Date; memberId?: string | null },
): Promise<{ statement: D1PreparedStatement; token: StaffToken; secret: string }> {
  const secret = newStaffTokenSecret();
  const id = crypto.randomUUID();
  const memberId = input.memberId ?? null;
  const statement = db
    .prepare("INSERT INTO staff_tokens (id, name, token_hash, scopes, created_at, member_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
    .bind(id, input.name, await sha256Hex(secret), input.scopes.join(" "), input.now.toISOString(), memberId);
  return {
    statement,
    secret,
    token: { id, name: input.name, scopes: input.scopes, createdAt: input.now.toISOString(), lastUsedAt: null, revokedAt: null, memberId },
  };
}

export async function findStaffToken(db: D1Database, id: string): Promise<StaffToken | null> {
  const row = await db.prepare("SELECT * FROM staff_tokens WHERE id = ?1").bind(id).first<StaffTokenRow>();
  return row ? toStaffToken(row) : null;
}

/** Finds an active token by its secret. The lookup is by hash, so it leaks nothing by timing. */
export async function findActiveStaffToken(db: D1Database, secret: string): Promise<StaffToken | null> {
  const row = await db
    .prepare("SELECT * FROM staff_tokens WHERE token_hash = ?1 AND revoked_at IS NULL")
    .bind(await sha256Hex(secret))
    .first<StaffTokenRow>();
  return row ? toStaffToken(row) : null;
}

export async function touchStaffToken(db: D1Database, id: string, now: Date): Promise<void> {
  await db.prepare("UPDATE staff_tokens SET last_used_at = ?2 WHERE id = ?1").bind(id, now.toISOString()).run();
}

export async function listStaffTokens(db: D1Database): Promise<StaffToken[]> {
  const { results } = await db.prepare("SELECT * FROM staff_tokens ORDER BY created_at DESC").all<StaffTokenRow>();
  return results.map(toStaffToken);
}

export async function revokeStaffToken(db: D1Database, id: string, now: Date): Promise<boolean> {
  const res = await revokeStaffTokenStatement(db, id, now).run();
  return res.meta.changes > 0;
}

export function revokeStaffTokenStatement(db: D1Database, id: string, now: Date): D1PreparedStatement {
  return db.prepare("UPDATE staff_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL").bind(id, now.toISOString());
}
