/**
 * An audit row as a prepared statement, so it can share the D1 batch of the write it records:
 * who (`actor`, the name people read, and `actorId`, a stable id such as "member:stf_…" or
 * "token:…"), what (`action`, `target`), when, and the state `before` and `after` the write.
 * `detail` carries anything else (e.g. the input of an API call).
 */
export function auditStatement(
  db: D1Database,
  entry: {
    actor: string;
    actorId?: string | null;
    action: string;
    target?: string | null;
    detail?: unknown;
    before?: unknown;
    after?: unknown;
    now: Date;
  },
): D1PreparedStatement {
  const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));
  return db
    .prepare(
      "INSERT INTO audit_log (actor, action, target, detail, created_at, actor_id, before_state, after_state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .bind(entry.actor, entry.action, entry.target ?? null, json(entry.detail), entry.now.toISOString(), entry.actorId ?? null, json(entry.before), json(entry.after));
}
