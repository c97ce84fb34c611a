// Storage of the staff capability: API tokens (only their SHA-256 is stored) and the audit log
// every staff write appends to. Queries take the binding first; rows are mapped to domain types.
import { StaffScope, type StaffScope as Scope } from "../../contract/staff";

export interface StaffToken {
  id: string;
  name: string;
  scopes: Scope[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

interface StaffTokenRow {
  id: string;
  name: string;
  scopes: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** Scopes are stored space-separated; one the Worker no longer knows is dropped, never guessed. */
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
  };
}

export async function insertStaffToken(db: D1Database, t: { id: string; name: string; tokenHash: string; scopes: readonly Scope[]; now: Date }): Promise<void> {
  await db
    .prepare("INSERT INTO staff_tokens (id, name, token_hash, scopes, created_at) VALUES (?1, ?2, ?3, ?4, ?5)")
    .bind(t.id, t.name, t.tokenHash, t.scopes.join(" "), t.now.toISOString())
    .run();
}

export async function findActiveStaffTokenByHash(db: D1Database, tokenHash: string): Promise<StaffToken | null> {
  const row = await db.prepare("SELECT * FROM staff_tokens WHERE token_hash = ?1 AND revoked_at IS NULL").bind(tokenHash).first<StaffTokenRow>();
  return row ? toStaffToken(row) : null;
}

export async function touchStaffToken(db: D1Database, id: string, now: Date): Promise<void> {
  await db.prepare("UPDATE staff_tokens SET last_used_at = ?2 WHERE id = ?1").bind(id, now.toISOString()).run();
}

export async function listStaffTokens(db: D1Database): Promise<StaffToken[]> {
  const { results } = await db.prepare("SELECT * FROM staff_tokens ORDER BY created_at DESC").all<StaffTokenRow>();
  return results.map(toStaffToken);
}

/** True when an active token was revoked now (false: unknown or revoked already). */
export async function revokeStaffToken(db: D1Database, id: string, now: Date): Promise<boolean> {
  const res = await db.prepare("UPDATE staff_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL").bind(id, now.toISOString()).run();
  return res.meta.changes > 0;
}

/** An audit row as a prepared statement, so it can share the D1 batch of the write it records. */
export function auditStatement(
  db: D1Database,
  entry: { actor: string; action: string; target?: string | null; detail?: unknown; now: Date },
): D1PreparedStatement {
  return db
    .prepare("INSERT INTO audit_log (actor, action, target, detail, created_at) VALUES (?1, ?2, ?3, ?4, ?5)")
    .bind(entry.actor, entry.action, entry.target ?? null, entry.detail === undefined ? null : JSON.stringify(entry.detail), entry.now.toISOString());
}
