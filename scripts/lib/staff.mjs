// Console people from the command line (npm run staff, npm start): the same rows the Worker
// writes (functions/staff/members.ts), as SQL for `wrangler d1 execute`. An invitation's token
// is shown once; only its SHA-256 is stored.
import { createHash, randomBytes } from "node:crypto";
import { sql } from "./wrangler.mjs";

export const ROLES = ["responder", "publisher", "admin"];
const INVITE_TTL_MS = 7 * 24 * 3_600_000;

const token = (prefix, bytes) => `${prefix}${randomBytes(bytes).toString("base64url")}`;
const sha256 = (text) => createHash("sha256").update(text).digest("hex");

/** A new member: the INSERT, and their id. */
export function newMemberSql({ name, email = null, role, oncallPersonId = null, createdBy, now = new Date() }) {
  const id = token("stf_", 12);
  return {
    id,
    statements: [
      `INSERT INTO staff_members (id, display_name, email, role, oncall_person_id, created_at, created_by) VALUES (${sql(id)}, ${sql(name)}, ${sql(email)}, ${sql(role)}, ${sql(oncallPersonId)}, ${sql(now.toISOString())}, ${sql(createdBy)});`,
      `INSERT INTO audit_log (actor, action, target, detail, created_at, actor_id, before_state, after_state) VALUES (${sql(createdBy)}, 'staff.invite', ${sql(id)}, NULL, ${sql(now.toISOString())}, ${sql(`cli:${createdBy}`)}, NULL, ${sql(JSON.stringify({ display_name: name, email, role, oncall_person_id: oncallPersonId, disabled: false }))});`,
    ],
  };
}

/** A one-time invitation for a member (older unused ones stop working): the SQL and the link's token. */
export function inviteSql({ memberId, createdBy, now = new Date() }) {
  const secret = token("inv_", 32);
  const at = now.toISOString();
  const expiresAt = new Date(now.getTime() + INVITE_TTL_MS).toISOString();
  return {
    token: secret,
    expiresAt,
    statements: [
      `UPDATE staff_invites SET expires_at = ${sql(at)} WHERE member_id = ${sql(memberId)} AND used_at IS NULL AND expires_at > ${sql(at)};`,
      `INSERT INTO staff_invites (id, token_hash, member_id, created_by, created_at, expires_at) VALUES (${sql(token("sin_", 12))}, ${sql(sha256(secret))}, ${sql(memberId)}, ${sql(createdBy)}, ${sql(at)}, ${sql(expiresAt)});`,
      `INSERT INTO audit_log (actor, action, target, detail, created_at, actor_id) VALUES (${sql(createdBy)}, 'staff.reinvite', ${sql(memberId)}, ${sql(JSON.stringify({ expires_at: expiresAt }))}, ${sql(at)}, ${sql(`cli:${createdBy}`)});`,
    ],
  };
}

export function inviteLink(origin, secret) {
  return `${origin.replace(/\/+$/, "")}/admin/invite/${secret}`;
}

/**
 * A fresh one-time invitation for the member named `displayName`, only while they have no
 * passkey (older links stop working): one round trip. Returns the SQL and the link's token;
 * the INSERT returns the member's id when it wrote a row.
 */
export function inviteWhileNoPasskeySql({ displayName, createdBy, now = new Date() }) {
  const secret = token("inv_", 32);
  const at = now.toISOString();
  const expiresAt = new Date(now.getTime() + INVITE_TTL_MS).toISOString();
  const member = `SELECT m.id FROM staff_members m WHERE m.display_name = ${sql(displayName)} AND m.disabled_at IS NULL
    AND NOT EXISTS (SELECT 1 FROM staff_passkeys p WHERE p.member_id = m.id)`;
  return {
    token: secret,
    statements: [
      `UPDATE staff_invites SET expires_at = ${sql(at)} WHERE member_id IN (${member}) AND used_at IS NULL AND expires_at > ${sql(at)};`,
      `INSERT INTO staff_invites (id, token_hash, member_id, created_by, created_at, expires_at)
         SELECT ${sql(token("sin_", 12))}, ${sql(sha256(secret))}, id, ${sql(createdBy)}, ${sql(at)}, ${sql(expiresAt)} FROM (${member}) RETURNING member_id;`,
    ],
  };
}
