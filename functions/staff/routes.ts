// The staff API's own routes: who am I, the console's people (admin), and the audit log
// (admin). Every route under /api/admin needs a bearer token (requireStaff); the console at
// /admin has its own session guard (functions/console).
import { Hono } from "hono";
import * as z from "zod";
import { DisplayName, StaffEmail, StaffInviteInput, StaffRole } from "../../contract/staff";
import type { Config } from "../platform/config";
import { parseWith, readJson } from "../platform/body";
import { ApiError } from "../platform/errors";
import type { AppEnv } from "../platform/types";
import { requireScope, requireStaff } from "./auth";
import { changeMember, inviteMember, inviteUrl, reinviteMember } from "./members";
import { findMember, listAudit, listMembers, type AuditEntry, type MemberOverview } from "./queries";

/** Where invitation links point: a passkey needs a host name, so the first configured console
 * origin that is not an IP address (http://localhost:PORT locally), else PUBLIC_URL. */
export function inviteOrigin(config: Pick<Config, "console" | "publicUrl">): string {
  return config.console.origins.find((o) => !/^https?:\/\/(\d+\.\d+\.\d+\.\d+|\[)/.test(o)) ?? config.publicUrl;
}

export function memberJson(m: Omit<MemberOverview, "passkeys" | "lastSignInAt" | "pendingInviteExpiresAt"> & Partial<MemberOverview>) {
  return {
    id: m.id,
    display_name: m.displayName,
    email: m.email,
    role: m.role,
    oncall_person_id: m.oncallPersonId,
    created_at: m.createdAt,
    created_by: m.createdBy,
    disabled_at: m.disabledAt,
    ...(m.passkeys !== undefined ? { passkeys: m.passkeys, last_sign_in_at: m.lastSignInAt ?? null, pending_invite_expires_at: m.pendingInviteExpiresAt ?? null } : {}),
  };
}

export function auditJson(e: AuditEntry) {
  return {
    id: e.id,
    at: e.createdAt,
    actor: e.actor,
    actor_id: e.actorId,
    action: e.action,
    target: e.target,
    before: e.before,
    after: e.after,
    detail: e.detail,
  };
}

const OptionalPersonId = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_-]{0,64}$/, "Use the person's id from the on-call document.")
  .transform((v) => v || null)
  .nullable();

const MemberPatch = z.strictObject({
  display_name: DisplayName.optional(),
  email: StaffEmail.nullable().optional(),
  role: StaffRole.optional(),
  oncall_person_id: OptionalPersonId.optional(),
  disabled: z.boolean().optional(),
});

export const AuditQuery = z.object({
  actor: z.string().trim().min(1).max(200).optional(),
  action: z.string().trim().min(1).max(100).optional(),
  target: z.string().trim().min(1).max(200).optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const staffRoutes = new Hono<AppEnv>()
  .use("/api/admin/*", requireStaff())
  .get("/api/admin/whoami", (c) => {
    const staff = c.get("staff");
    return c.json({ name: staff.name, scopes: staff.scopes, ...(staff.memberId ? { member_id: staff.memberId, role: staff.role } : {}) });
  })
  .get("/api/admin/staff/members", requireScope("admin"), async (c) => {
    c.header("Cache-Control", "no-store");
    const members = await listMembers(c.env.DB, new Date().toISOString());
    return c.json({ members: members.map(memberJson) });
  })
  .post("/api/admin/staff/members", requireScope("admin"), async (c) => {
    const input = await readJson(c.req.raw, StaffInviteInput.extend({ oncall_person_id: OptionalPersonId.optional() }));
    const { oncall_person_id, ...invite } = input;
    const created = await inviteMember(c.env.DB, { ...invite, oncallPersonId: oncall_person_id ?? null }, c.get("staff"), new Date());
    c.header("Cache-Control", "no-store");
    return c.json(
      { member: memberJson(created.member), invite_url: inviteUrl(inviteOrigin(c.get("services").config), created.token), expires_at: created.expiresAt },
      201,
    );
  })
  .post("/api/admin/staff/members/:id/invites", requireScope("admin"), async (c) => {
    const created = await reinviteMember(c.env.DB, c.req.param("id"), c.get("staff"), new Date());
    c.header("Cache-Control", "no-store");
    return c.json({ member: memberJson(created.member), invite_url: inviteUrl(inviteOrigin(c.get("services").config), created.token), expires_at: created.expiresAt }, 201);
  })
  .patch("/api/admin/staff/members/:id", requireScope("admin"), async (c) => {
    const patch = await readJson(c.req.raw, MemberPatch);
    const member = await findMember(c.env.DB, c.req.param("id"));
    if (!member) throw new ApiError("not_found", "There is no staff member with this id.");
    const updated = await changeMember(
      c.env.DB,
      member.id,
      {
        role: patch.role ?? member.role,
        displayName: patch.display_name ?? member.displayName,
        email: patch.email === undefined ? member.email : patch.email,
        oncallPersonId: patch.oncall_person_id === undefined ? member.oncallPersonId : patch.oncall_person_id,
        disabled: patch.disabled ?? member.disabledAt !== null,
      },
      c.get("staff"),
      new Date(),
    );
    return c.json({ member: memberJson(updated) });
  })
  .get("/api/admin/audit", requireScope("admin"), async (c) => {
    const q = parseWith(AuditQuery, c.req.query());
    const entries = await listAudit(c.env.DB, { actor: q.actor, action: q.action, target: q.target, beforeId: q.before, limit: q.limit });
    c.header("Cache-Control", "no-store");
    return c.json({ entries: entries.map(auditJson), next_before: entries.length === q.limit ? entries.at(-1)!.id : null });
  });
