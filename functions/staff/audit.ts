/** An audit row as a prepared statement, so it can share the D1 batch of the write it records. */
export function auditStatement(
  db: D1Database,
  entry: { actor: string; action: string; target?: string | null; detail?: unknown; now: Date },
): D1PreparedStatement {
  return db
    .prepare("INSERT INTO audit_log (actor, action, target, detail, created_at) VALUES (?1, ?2, ?3, ?4, ?5)")
    .bind(entry.actor, entry.action, entry.target ?? null, entry.detail === undefined ? null : JSON.stringify(entry.detail), entry.now.toISOString());
}
