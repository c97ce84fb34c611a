// Storage of the staff capability: API tokens (only their SHA-256 is stored), console members,
// passkeys, invitations, sessions and sign-in challenges, and the audit log every staff write
// appends to. Queries take the binding first; rows are mapped to domain types.
import { StaffScope, type StaffRole, type StaffScope as Scope } from "../../contract/staff";

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
    memberId: row.member_id,
  };
}

/** A new token as a statement, for a D1 batch with its audit row. */
export function insertStaffTokenStatement(
  db: D1Database,
  t: { id: string; name: string; tokenHash: string; scopes: readonly Scope[]; now: Date; memberId: string | null },
): D1PreparedStatement {
  return db
    .prepare("INSERT INTO staff_tokens (id, name, token_hash, scopes, created_at, member_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
    .bind(t.id, t.name, t.tokenHash, t.scopes.join(" "), t.now.toISOString(), t.memberId);
}

export async function findStaffToken(db: D1Database, id: string): Promise<StaffToken | null> {
  const row = await db.prepare("SELECT * FROM staff_tokens WHERE id = ?1").bind(id).first<StaffTokenRow>();
  return row ? toStaffToken(row) : null;
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
  const res = await revokeStaffTokenStatement(db, id, now).run();
  return res.meta.changes > 0;
}

export function revokeStaffTokenStatement(db: D1Database, id: string, now: Date): D1PreparedStatement {
  return db.prepare("UPDATE staff_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL").bind(id, now.toISOString());
}


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

// ---- members --------------------------------------------------------------------------------

export interface StaffMember {
  id: string;
  displayName: string;
  email: string | null;
  role: StaffRole;
  oncallPersonId: string | null;
  createdAt: string;
  createdBy: string;
  disabledAt: string | null;
}

interface MemberRow {
  id: string;
  display_name: string;
  email: string | null;
  role: StaffRole;
  oncall_person_id: string | null;
  created_at: string;
  created_by: string;
  disabled_at: string | null;
}

const toMember = (r: MemberRow): StaffMember => ({
  id: r.id,
  displayName: r.display_name,
  email: r.email,
  role: r.role,
  oncallPersonId: r.oncall_person_id,
  createdAt: r.created_at,
  createdBy: r.created_by,
  disabledAt: r.disabled_at,
});

export function insertMemberStatement(
  db: D1Database,
  m: { id: string; displayName: string; email: string | null; role: StaffRole; oncallPersonId: string | null; createdBy: string; now: string },
): D1PreparedStatement {
  return db
    .prepare(
      "INSERT INTO staff_members (id, display_name, email, role, oncall_person_id, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .bind(m.id, m.displayName, m.email, m.role, m.oncallPersonId, m.now, m.createdBy);
}

export async function findMember(db: D1Database, id: string): Promise<StaffMember | null> {
  const row = await db.prepare("SELECT * FROM staff_members WHERE id = ?1").bind(id).first<MemberRow>();
  return row ? toMember(row) : null;
}

export async function findMemberByEmail(db: D1Database, email: string): Promise<StaffMember | null> {
  const row = await db.prepare("SELECT * FROM staff_members WHERE email = ?1").bind(email.toLowerCase()).first<MemberRow>();
  return row ? toMember(row) : null;
}

/** Whether a display name or email is taken (by anyone but `exceptId`): both are unique. */
export async function findMemberClash(db: D1Database, displayName: string, email: string | null, exceptId: string | null): Promise<"name" | "email" | null> {
  const row = await db
    .prepare(
      `SELECT CASE WHEN display_name = ?1 COLLATE NOCASE THEN 'name' ELSE 'email' END AS clash FROM staff_members
       WHERE (display_name = ?1 COLLATE NOCASE OR (?2 IS NOT NULL AND email = ?2)) AND (?3 IS NULL OR id != ?3) LIMIT 1`,
    )
    .bind(displayName, email, exceptId)
    .first<{ clash: "name" | "email" }>();
  return row?.clash ?? null;
}

export interface MemberOverview extends StaffMember {
  passkeys: number;
  lastSignInAt: string | null;
  pendingInviteExpiresAt: string | null;
}

export async function listMembers(db: D1Database, now: string): Promise<MemberOverview[]> {
  const { results } = await db
    .prepare(
      `SELECT m.*,
         (SELECT COUNT(*) FROM staff_passkeys p WHERE p.member_id = m.id) AS passkeys,
         (SELECT MAX(s.created_at) FROM staff_sessions s WHERE s.member_id = m.id) AS last_sign_in_at,
         (SELECT MAX(i.expires_at) FROM staff_invites i WHERE i.member_id = m.id AND i.used_at IS NULL AND i.expires_at > ?1) AS pending_invite
       FROM staff_members m ORDER BY m.disabled_at IS NOT NULL, m.display_name`,
    )
    .bind(now)
    .all<MemberRow & { passkeys: number; last_sign_in_at: string | null; pending_invite: string | null }>();
  return results.map((r) => ({ ...toMember(r), passkeys: r.passkeys, lastSignInAt: r.last_sign_in_at, pendingInviteExpiresAt: r.pending_invite }));
}

export function updateMemberStatement(
  db: D1Database,
  id: string,
  change: { role: StaffRole; displayName: string; email: string | null; oncallPersonId: string | null; disabledAt: string | null },
): D1PreparedStatement {
  return db
    .prepare("UPDATE staff_members SET role = ?2, display_name = ?3, email = ?4, oncall_person_id = ?5, disabled_at = ?6 WHERE id = ?1")
    .bind(id, change.role, change.displayName, change.email, change.oncallPersonId, change.disabledAt);
}

export async function countActiveAdmins(db: D1Database): Promise<number> {
  const row = await db.prepare("SELECT COUNT(*) AS n FROM staff_members WHERE role = 'admin' AND disabled_at IS NULL").first<{ n: number }>();
  return row?.n ?? 0;
}

// ---- passkeys -------------------------------------------------------------------------------

export interface Passkey {
  id: string;
  memberId: string;
  publicKey: string;
  counter: number;
  transports: string[];
  deviceType: string | null;
  backedUp: boolean;
  label: string;
  createdAt: string;
  lastUsedAt: string | null;
}

interface PasskeyRow {
  id: string;
  member_id: string;
  public_key: string;
  counter: number;
  transports: string | null;
  device_type: string | null;
  backed_up: number;
  label: string;
  created_at: string;
  last_used_at: string | null;
}

function parseTransports(text: string | null): string[] {
  if (!text) return [];
  try {
    const list = JSON.parse(text) as unknown;
    return Array.isArray(list) ? list.filter((t): t is string => typeof t === "string") : [];
  } catch {
    return [];
  }
}

const toPasskey = (r: PasskeyRow): Passkey => ({
  id: r.id,
  memberId: r.member_id,
  publicKey: r.public_key,
  counter: r.counter,
  transports: parseTransports(r.transports),
  deviceType: r.device_type,
  backedUp: r.backed_up === 1,
  label: r.label,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
});

export function insertPasskeyStatement(db: D1Database, p: Omit<Passkey, "lastUsedAt">): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO staff_passkeys (id, member_id, public_key, counter, transports, device_type, backed_up, label, created_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)`,
    )
    .bind(p.id, p.memberId, p.publicKey, p.counter, JSON.stringify(p.transports), p.deviceType, p.backedUp ? 1 : 0, p.label, p.createdAt);
}

export async function findPasskey(db: D1Database, id: string): Promise<Passkey | null> {
  const row = await db.prepare("SELECT * FROM staff_passkeys WHERE id = ?1").bind(id).first<PasskeyRow>();
  return row ? toPasskey(row) : null;
}

export async function listPasskeysOf(db: D1Database, memberId: string): Promise<Passkey[]> {
  const { results } = await db.prepare("SELECT * FROM staff_passkeys WHERE member_id = ?1 ORDER BY created_at").bind(memberId).all<PasskeyRow>();
  return results.map(toPasskey);
}

/** Records a use. The counter only moves forward (guarded in SQL too, against a parallel use). */
export function usePasskeyStatement(db: D1Database, id: string, counter: number, now: string): D1PreparedStatement {
  return db
    .prepare("UPDATE staff_passkeys SET counter = MAX(counter, ?2), last_used_at = ?3 WHERE id = ?1")
    .bind(id, counter, now);
}

export function deletePasskeyStatement(db: D1Database, id: string, memberId: string): D1PreparedStatement {
  return db.prepare("DELETE FROM staff_passkeys WHERE id = ?1 AND member_id = ?2").bind(id, memberId);
}

// ---- invitations ----------------------------------------------------------------------------

export interface Invite {
  id: string;
  memberId: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
}

interface InviteRow {
  id: string;
  member_id: string;
  created_by: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

const toInvite = (r: InviteRow): Invite => ({
  id: r.id,
  memberId: r.member_id,
  createdBy: r.created_by,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  usedAt: r.used_at,
});

export function insertInviteStatement(
  db: D1Database,
  i: { id: string; tokenHash: string; memberId: string; createdBy: string; now: string; expiresAt: string },
): D1PreparedStatement {
  return db
    .prepare("INSERT INTO staff_invites (id, token_hash, member_id, created_by, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
    .bind(i.id, i.tokenHash, i.memberId, i.createdBy, i.now, i.expiresAt);
}

export async function findInviteByHash(db: D1Database, tokenHash: string): Promise<Invite | null> {
  const row = await db.prepare("SELECT * FROM staff_invites WHERE token_hash = ?1").bind(tokenHash).first<InviteRow>();
  return row ? toInvite(row) : null;
}

/** Uses an invitation: one conditional UPDATE, so two registrations at once cannot both win. */
export async function claimInvite(db: D1Database, id: string, now: string): Promise<boolean> {
  const res = await db.prepare("UPDATE staff_invites SET used_at = ?2 WHERE id = ?1 AND used_at IS NULL AND expires_at > ?2").bind(id, now).run();
  return res.meta.changes === 1;
}

/** A new invitation replaces the member's older unused ones. */
export function expireInvitesOfStatement(db: D1Database, memberId: string, now: string): D1PreparedStatement {
  return db.prepare("UPDATE staff_invites SET expires_at = ?2 WHERE member_id = ?1 AND used_at IS NULL AND expires_at > ?2").bind(memberId, now);
}

// ---- sessions -------------------------------------------------------------------------------

export type SessionMethod = "passkey" | "token" | "access";

export interface StaffSession {
  id: string;
  memberId: string | null;
  tokenId: string | null;
  name: string;
  method: SessionMethod;
  csrfToken: string;
  rotatedAt: string;
  createdAt: string;
  lastSeenAt: string;
  idleExpiresAt: string;
  expiresAt: string;
  revokedAt: string | null;
  userAgent: string | null;
  /** True when it was found by its previous (rotated-out) secret. */
  byPreviousSecret: boolean;
}

interface SessionRow {
  id: string;
  token_hash: string;
  previous_token_hash: string | null;
  rotated_at: string;
  member_id: string | null;
  token_id: string | null;
  name: string;
  method: SessionMethod;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  idle_expires_at: string;
  expires_at: string;
  revoked_at: string | null;
  user_agent: string | null;
}

const toSession = (r: SessionRow, hash: string): StaffSession => ({
  id: r.id,
  memberId: r.member_id,
  tokenId: r.token_id,
  name: r.name,
  method: r.method,
  csrfToken: r.csrf_token,
  rotatedAt: r.rotated_at,
  createdAt: r.created_at,
  lastSeenAt: r.last_seen_at,
  idleExpiresAt: r.idle_expires_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
  userAgent: r.user_agent,
  byPreviousSecret: r.token_hash !== hash,
});

export function insertSessionStatement(
  db: D1Database,
  s: {
    id: string;
    tokenHash: string;
    memberId: string | null;
    tokenId: string | null;
    name: string;
    method: SessionMethod;
    csrfToken: string;
    now: string;
    idleExpiresAt: string;
    expiresAt: string;
    userAgent: string | null;
  },
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO staff_sessions (id, token_hash, rotated_at, member_id, token_id, name, method, csrf_token, created_at, last_seen_at,
         idle_expires_at, expires_at, user_agent)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?3, ?3, ?9, ?10, ?11)`,
    )
    .bind(s.id, s.tokenHash, s.now, s.memberId, s.tokenId, s.name, s.method, s.csrfToken, s.idleExpiresAt, s.expiresAt, s.userAgent);
}

/** A session by the hash of the cookie's secret: its current one, or the previous one. */
export async function findSessionByHash(db: D1Database, hash: string): Promise<StaffSession | null> {
  const row = await db
    .prepare("SELECT * FROM staff_sessions WHERE token_hash = ?1 OR previous_token_hash = ?1 LIMIT 1")
    .bind(hash)
    .first<SessionRow>();
  return row ? toSession(row, hash) : null;
}

/** Marks a use: pushes the idle expiry forward (never past the absolute end). */
export async function touchSession(db: D1Database, id: string, now: string, idleExpiresAt: string): Promise<void> {
  await db
    .prepare("UPDATE staff_sessions SET last_seen_at = ?2, idle_expires_at = MIN(?3, expires_at) WHERE id = ?1 AND revoked_at IS NULL")
    .bind(id, now, idleExpiresAt)
    .run();
}

/**
 * Rotates a session's secret, guarded by the secret it had (`fromHash`): of two requests
 * rotating at once only one wins; the other keeps working through the previous secret.
 */
export async function rotateSession(db: D1Database, id: string, fromHash: string, toHash: string, now: string, idleExpiresAt: string): Promise<boolean> {
  const res = await db
    .prepare(
      `UPDATE staff_sessions SET previous_token_hash = token_hash, token_hash = ?3, rotated_at = ?4, last_seen_at = ?4,
         idle_expires_at = MIN(?5, expires_at)
       WHERE id = ?1 AND token_hash = ?2 AND revoked_at IS NULL`,
    )
    .bind(id, fromHash, toHash, now, idleExpiresAt)
    .run();
  return res.meta.changes === 1;
}

export function revokeSessionStatement(db: D1Database, id: string, now: string): D1PreparedStatement {
  return db.prepare("UPDATE staff_sessions SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL").bind(id, now);
}

export function revokeSessionsOfMemberStatement(db: D1Database, memberId: string, now: string, exceptId: string | null = null): D1PreparedStatement {
  return db
    .prepare("UPDATE staff_sessions SET revoked_at = ?2 WHERE member_id = ?1 AND revoked_at IS NULL AND (?3 IS NULL OR id != ?3)")
    .bind(memberId, now, exceptId);
}

export function revokeSessionsOfTokenStatement(db: D1Database, tokenId: string, now: string): D1PreparedStatement {
  return db.prepare("UPDATE staff_sessions SET revoked_at = ?2 WHERE token_id = ?1 AND revoked_at IS NULL").bind(tokenId, now);
}

export async function listActiveSessionsOf(db: D1Database, memberId: string, now: string): Promise<StaffSession[]> {
  const { results } = await db
    .prepare(
      "SELECT * FROM staff_sessions WHERE member_id = ?1 AND revoked_at IS NULL AND idle_expires_at > ?2 AND expires_at > ?2 ORDER BY last_seen_at DESC LIMIT 50",
    )
    .bind(memberId, now)
    .all<SessionRow>();
  return results.map((r) => toSession(r, r.token_hash));
}

// ---- WebAuthn challenges --------------------------------------------------------------------

export interface Challenge {
  id: string;
  challenge: string;
  purpose: "register" | "authenticate";
  memberId: string | null;
  inviteId: string | null;
  origin: string;
  expiresAt: string;
}

export async function insertChallenge(db: D1Database, c: Challenge, now: string): Promise<void> {
  await db.batch([
    // Expired challenges are swept here, so the table stays small without a cron task.
    db.prepare("DELETE FROM webauthn_challenges WHERE expires_at <= ?1").bind(now),
    db
      .prepare("INSERT INTO webauthn_challenges (id, challenge, purpose, member_id, invite_id, origin, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
      .bind(c.id, c.challenge, c.purpose, c.memberId, c.inviteId, c.origin, c.expiresAt),
  ]);
}

/** Takes a challenge out: it can be answered once, and only before it expires. */
export async function takeChallenge(db: D1Database, id: string, purpose: Challenge["purpose"], now: string): Promise<Challenge | null> {
  const row = await db
    .prepare("DELETE FROM webauthn_challenges WHERE id = ?1 AND purpose = ?2 AND expires_at > ?3 RETURNING *")
    .bind(id, purpose, now)
    .first<{ id: string; challenge: string; purpose: Challenge["purpose"]; member_id: string | null; invite_id: string | null; origin: string; expires_at: string }>();
  if (!row) return null;
  return { id: row.id, challenge: row.challenge, purpose: row.purpose, memberId: row.member_id, inviteId: row.invite_id, origin: row.origin, expiresAt: row.expires_at };
}

// ---- failed sign-ins ------------------------------------------------------------------------

export async function countSignInFailures(db: D1Database, clientHash: string, since: string): Promise<{ count: number; oldest: string | null }> {
  const row = await db
    .prepare("SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM signin_failures WHERE client_hash = ?1 AND created_at > ?2")
    .bind(clientHash, since)
    .first<{ n: number; oldest: string | null }>();
  return { count: row?.n ?? 0, oldest: row?.oldest ?? null };
}

export async function recordSignInFailure(db: D1Database, clientHash: string, method: string, now: string, pruneBefore: string): Promise<void> {
  await db.batch([
    db.prepare("INSERT INTO signin_failures (client_hash, method, created_at) VALUES (?1, ?2, ?3)").bind(clientHash, method, now),
    db.prepare("DELETE FROM signin_failures WHERE created_at < ?1").bind(pruneBefore),
  ]);
}

// ---- the audit log (reading) ----------------------------------------------------------------

export interface AuditEntry {
  id: number;
  actor: string;
  actorId: string | null;
  action: string;
  target: string | null;
  detail: unknown;
  before: unknown;
  after: unknown;
  createdAt: string;
}

interface AuditRow {
  id: number;
  actor: string;
  actor_id: string | null;
  action: string;
  target: string | null;
  detail: string | null;
  before_state: string | null;
  after_state: string | null;
  created_at: string;
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  target?: string;
  /** Only entries with an id below this (paging, newest first). */
  beforeId?: number;
  limit: number;
}

/** Newest first. `action` matches a prefix ("incident." finds every incident action). */
export async function listAudit(db: D1Database, f: AuditFilter): Promise<AuditEntry[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM audit_log
       WHERE (?1 IS NULL OR actor = ?1 OR actor_id = ?1) AND (?2 IS NULL OR action = ?2 OR action LIKE ?2 || '%' ESCAPE '\\')
         AND (?3 IS NULL OR target = ?3) AND (?4 IS NULL OR id < ?4)
       ORDER BY id DESC LIMIT ?5`,
    )
    .bind(f.actor ?? null, f.action ? f.action.replace(/[\\%_]/g, (ch) => `\\${ch}`) : null, f.target ?? null, f.beforeId ?? null, f.limit)
    .all<AuditRow>();
  return results.map((r) => ({
    id: r.id,
    actor: r.actor,
    actorId: r.actor_id,
    action: r.action,
    target: r.target,
    detail: parseJson(r.detail),
    before: parseJson(r.before_state),
    after: parseJson(r.after_state),
    createdAt: r.created_at,
  }));
}
