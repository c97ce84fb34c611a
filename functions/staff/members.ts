// People of the console: invitations (one-time links), role changes, disabling. Every change
// is one D1 batch with its audit row, which records the member before and after.
import type { StaffInviteInput, StaffRole } from "../../contract/staff";
import { randomToken, sha256Hex } from "../platform/crypto";
import { ApiError } from "../platform/errors";
import type { StaffPrincipal } from "../platform/types";
import { auditStatement, claimInvite, countActiveAdmins, expireInvitesOfStatement, findInviteByHash, findMember, findMemberClash, insertInviteStatement, insertMemberStatement, revokeSessionsOfMemberStatement, updateMemberStatement, type Invite, type StaffMember } from "./queries";

/** An invitation is good for a week, and once. */
export const INVITE_TTL_MS = 7 * 24 * 3_600_000;

type Actor = Pick<StaffPrincipal, "name" | "actorId">;

/** What the audit log keeps of a member (no secrets: there are none on the row). */
function memberState(m: Pick<StaffMember, "displayName" | "email" | "role" | "oncallPersonId" | "disabledAt">) {
  return { display_name: m.displayName, email: m.email, role: m.role, oncall_person_id: m.oncallPersonId, disabled: m.disabledAt !== null };
}

async function refuseClash(db: D1Database, name: string, email: string | null, exceptId: string | null): Promise<void> {
  const clash = await findMemberClash(db, name, email, exceptId);
  if (clash === "name") throw new ApiError("conflict", `Someone is called "${name}" already; reporters must be able to tell staff apart.`, { fields: { name: "Taken." } });
  if (clash === "email") throw new ApiError("conflict", `${email} belongs to another staff member already.`, { fields: { email: "Taken." } });
}

function newInvite(memberId: string, by: Actor, now: Date) {
  const token = `inv_${randomToken(32)}`;
  const expiresAt = new Date(now.getTime() + INVITE_TTL_MS).toISOString();
  return { token, expiresAt, id: `sin_${randomToken(12)}`, memberId, createdBy: by.name };
}

/** Creates a member and their one-time invitation link (the token is shown once). */
export async function inviteMember(
  db: D1Database,
  input: StaffInviteInput & { oncallPersonId?: string | null },
  by: Actor,
  now: Date,
): Promise<{ member: StaffMember; token: string; expiresAt: string }> {
  await refuseClash(db, input.name, input.email, null);
  const member: StaffMember = {
    id: `stf_${randomToken(12)}`,
    displayName: input.name,
    email: input.email,
    role: input.role,
    oncallPersonId: input.oncallPersonId ?? null,
    createdAt: now.toISOString(),
    createdBy: by.name,
    disabledAt: null,
  };
  const invite = newInvite(member.id, by, now);
  const at = now.toISOString();
  await db.batch([
    insertMemberStatement(db, { ...member, now: at }),
    insertInviteStatement(db, { ...invite, tokenHash: await sha256Hex(invite.token), now: at }),
    auditStatement(db, { actor: by.name, actorId: by.actorId, action: "staff.invite", target: member.id, before: null, after: memberState(member), detail: { expires_at: invite.expiresAt }, now }),
  ]);
  return { member, token: invite.token, expiresAt: invite.expiresAt };
}

/** A fresh invitation for an existing member (a new phone, a lost passkey); older links stop working. */
export async function reinviteMember(db: D1Database, memberId: string, by: Actor, now: Date): Promise<{ member: StaffMember; token: string; expiresAt: string }> {
  const member = await findMember(db, memberId);
  if (!member) throw new ApiError("not_found", "There is no staff member with this id.");
  if (member.disabledAt) throw new ApiError("conflict", `${member.displayName} is disabled; enable them first.`);
  const invite = newInvite(member.id, by, now);
  const at = now.toISOString();
  await db.batch([
    expireInvitesOfStatement(db, member.id, at),
    insertInviteStatement(db, { ...invite, tokenHash: await sha256Hex(invite.token), now: at }),
    auditStatement(db, { actor: by.name, actorId: by.actorId, action: "staff.reinvite", target: member.id, detail: { expires_at: invite.expiresAt }, now }),
  ]);
  return { member, token: invite.token, expiresAt: invite.expiresAt };
}

export function inviteUrl(origin: string, token: string): string {
  return `${origin.replace(/\/+$/, "")}/admin/invite/${token}`;
}

/** An invitation that can still be used, with its member. */
export async function usableInvite(db: D1Database, token: string, now: Date): Promise<{ invite: Invite; member: StaffMember } | null> {
  if (!/^inv_[A-Za-z0-9_-]{20,64}$/.test(token)) return null;
  const invite = await findInviteByHash(db, await sha256Hex(token));
  if (!invite || invite.usedAt || Date.parse(invite.expiresAt) <= now.getTime()) return null;
  const member = await findMember(db, invite.memberId);
  if (!member || member.disabledAt) return null;
  return { invite, member };
}

export { claimInvite };

export interface MemberChange {
  role: StaffRole;
  displayName: string;
  email: string | null;
  oncallPersonId: string | null;
  disabled: boolean;
}

/**
 * Changes a member. A role change or disabling ends their sessions (they sign in again and
 * get what they may now do). The last active admin can be neither demoted nor disabled: the
 * console would have nobody left to manage people.
 */
export async function changeMember(db: D1Database, id: string, change: MemberChange, by: Actor, now: Date): Promise<StaffMember> {
  const member = await findMember(db, id);
  if (!member) throw new ApiError("not_found", "There is no staff member with this id.");
  await refuseClash(db, change.displayName, change.email, id);
  const losesAdmin = member.role === "admin" && !member.disabledAt && (change.role !== "admin" || change.disabled);
  if (losesAdmin && (await countActiveAdmins(db)) <= 1) {
    throw new ApiError("conflict", `${member.displayName} is the only admin left; make someone else admin first.`);
  }
  const at = now.toISOString();
  const after: StaffMember = {
    ...member,
    role: change.role,
    displayName: change.displayName,
    email: change.email,
    oncallPersonId: change.oncallPersonId,
    disabledAt: change.disabled ? (member.disabledAt ?? at) : null,
  };
  const before = memberState(member);
  const afterState = memberState(after);
  if (JSON.stringify(before) === JSON.stringify(afterState)) return member;
  const endSessions = member.role !== after.role || (after.disabledAt !== null && member.disabledAt === null);
  await db.batch([
    updateMemberStatement(db, id, after),
    ...(endSessions ? [revokeSessionsOfMemberStatement(db, id, at)] : []),
    auditStatement(db, { actor: by.name, actorId: by.actorId, action: "staff.update", target: id, before, after: afterState, now }),
  ]);
  return after;
}
