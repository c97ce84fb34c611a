// People, tokens and the audit log: invitations shown once, role changes recorded before and
// after (and never leaving the console without an admin), tokens shown once and revoked at
// once, the audit log in the console and exported as JSON, and a person's own passkeys and
// sessions.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { fetchWorker, unique } from "../helpers";
import { consoleGet, consolePost, signedIn, textOf } from "./helpers";

async function memberNamed(name: string) {
  return env.DB.prepare("SELECT * FROM staff_members WHERE display_name = ?1").bind(name).first<{ id: string; role: string; email: string | null; disabled_at: string | null }>();
}

describe("people", () => {
  it("invites someone: the link is shown once, the member exists, the invitation is audited", async () => {
    const admin = await signedIn("admin");
    const name = unique("New Person");
    const res = await consolePost("/admin/people", admin, { name, email: `${name.toLowerCase().replace(/\W/g, "")}@Example.com`, role: "publisher", oncall_person_id: "" });
    expect(res.status).toBe(200);
    const page = await res.text();
    const link = /(http:\/\/localhost:8787\/admin\/invite\/inv_[A-Za-z0-9_-]+)/.exec(page)![1]!;
    const member = (await memberNamed(name))!;
    expect(member.role).toBe("publisher");
    expect(member.email).toBe(`${name.toLowerCase().replace(/\W/g, "")}@example.com`);
    // Only the hash of the link's token is stored.
    const stored = await env.DB.prepare("SELECT token_hash FROM staff_invites WHERE member_id = ?1").bind(member.id).first<{ token_hash: string }>();
    expect(link).not.toContain(stored!.token_hash);
    expect((await (await consoleGet("/admin/people", admin)).text())).not.toContain(link);
    const audit = await env.DB.prepare("SELECT before_state, after_state, actor_id FROM audit_log WHERE action = 'staff.invite' AND target = ?1").bind(member.id).first<Record<string, string | null>>();
    expect(audit!.before_state).toBe("null");
    expect(JSON.parse(audit!.after_state!)).toMatchObject({ display_name: name, role: "publisher" });
    expect(audit!.actor_id).toBe(`member:${admin.memberId}`);
  });

  it("refuses a second person with the same display name (reporters must tell staff apart)", async () => {
    const admin = await signedIn("admin");
    const name = unique("Twin");
    await consolePost("/admin/people", admin, { name, role: "responder" });
    const again = await consolePost("/admin/people", admin, { name: name.toUpperCase(), role: "responder" });
    expect(again.status).toBe(409);
  });

  it("changes a role with before and after in the audit log", async () => {
    const admin = await signedIn("admin");
    const target = await signedIn("responder");
    const res = await consolePost(`/admin/people/${target.memberId}`, admin, { display_name: target.name, email: "", role: "publisher", oncall_person_id: "" });
    expect(res.status).toBe(303);
    const audit = await env.DB.prepare("SELECT before_state, after_state FROM audit_log WHERE action = 'staff.update' AND target = ?1").bind(target.memberId).first<Record<string, string>>();
    expect(JSON.parse(audit!.before_state!).role).toBe("responder");
    expect(JSON.parse(audit!.after_state!).role).toBe("publisher");
  });

  it("never demotes or disables the last active admin", async () => {
    await env.DB.prepare("UPDATE staff_members SET disabled_at = ?1 WHERE role = 'admin' AND disabled_at IS NULL").bind(new Date().toISOString()).run();
    const admin = await signedIn("admin");
    const demote = await consolePost(`/admin/people/${admin.memberId}`, admin, { display_name: admin.name, email: "", role: "responder", oncall_person_id: "" });
    expect(demote.status).toBe(409);
    expect(await demote.text()).toContain("is the only admin left");
    const disable = await consolePost(`/admin/people/${admin.memberId}`, admin, { display_name: admin.name, email: "", role: "admin", oncall_person_id: "", disabled: "1" });
    expect(disable.status).toBe(409);
    expect((await memberNamed(admin.name))!.role).toBe("admin");
  });

  it("makes a new invitation link for an existing member and retires the old one", async () => {
    const admin = await signedIn("admin");
    const name = unique("Lost Phone");
    const first = /\/admin\/invite\/(inv_[A-Za-z0-9_-]+)/.exec(await (await consolePost("/admin/people", admin, { name, role: "responder" })).text())![1]!;
    const member = (await memberNamed(name))!;
    const second = /\/admin\/invite\/(inv_[A-Za-z0-9_-]+)/.exec(await (await consolePost(`/admin/people/${member.id}/invite`, admin)).text())![1]!;
    expect(second).not.toBe(first);
    expect((await consoleGet(`/admin/invite/${first}`, null, {}, "http://localhost:8787")).status).toBe(404);
    expect((await consoleGet(`/admin/invite/${second}`, null, {}, "http://localhost:8787")).status).toBe(200);
  });
});

describe("tokens", () => {
  it("creates a token shown once (only its hash is kept) and revokes it at once", async () => {
    const admin = await signedIn("admin");
    const label = unique("deploy-bot");
    const res = await consolePost("/admin/tokens", admin, { name: label, scopes: ["status:write", "reports:read"], member_id: "" });
    const secret = /<code class="secret">(oob_[A-Za-z0-9_-]+)<\/code>/.exec(await res.text())![1]!;
    const whoami = await fetchWorker("/api/admin/whoami", { headers: { authorization: `Bearer ${secret}` } });
    expect(await whoami.json()).toEqual({ name: label, scopes: ["status:write", "reports:read"] });
    expect(await (await consoleGet("/admin/people", admin)).text()).not.toContain(secret);
    const id = (await env.DB.prepare("SELECT id FROM staff_tokens WHERE name = ?1").bind(label).first<{ id: string }>())!.id;
    expect((await consolePost(`/admin/tokens/${id}/revoke`, admin)).headers.get("location")).toBe("/admin/people?done=token-revoked");
    expect((await fetchWorker("/api/admin/whoami", { headers: { authorization: `Bearer ${secret}` } })).status).toBe(401);
    const audit = await env.DB.prepare("SELECT action FROM audit_log WHERE target = ?1 ORDER BY id").bind(id).all<{ action: string }>();
    expect(audit.results.map((r) => r.action)).toEqual(["staff.token.create", "staff.token.revoke"]);
  });

  it("refuses a token without scopes, or with one that does not exist", async () => {
    const admin = await signedIn("admin");
    expect((await consolePost("/admin/tokens", admin, { name: unique("x"), member_id: "" })).status).toBe(400);
    expect((await consolePost("/admin/tokens", admin, { name: unique("x"), scopes: ["root"], member_id: "" })).status).toBe(400);
  });
});

describe("the audit log", () => {
  it("shows who did what with before and after, filters by action prefix, and exports JSON", async () => {
    const admin = await signedIn("admin");
    const target = await signedIn("responder");
    await consolePost(`/admin/people/${target.memberId}`, admin, { display_name: target.name, email: "", role: "publisher", oncall_person_id: "" });
    const page = textOf(await (await consoleGet(`/admin/audit?action=staff.&target=${target.memberId}`, admin)).text());
    expect(page).toContain("staff.update");
    expect(page).toContain(`by ${admin.name} (member:${admin.memberId})`);
    expect(page).toContain('"role": "responder"');
    expect(page).toContain('"role": "publisher"');

    const exported = await consoleGet(`/admin/audit.json?target=${target.memberId}`, admin);
    expect(exported.headers.get("content-type")).toContain("application/json");
    expect(exported.headers.get("content-disposition")).toMatch(/^attachment; filename="audit-.*\.json"$/);
    const body = (await exported.json()) as { entries: Array<{ action: string; actor_id: string; before: unknown; after: unknown }> };
    const update = body.entries.find((e) => e.action === "staff.update")!;
    expect(update).toMatchObject({ actor_id: `member:${admin.memberId}`, before: { role: "responder" }, after: { role: "publisher" } });
  });
});

describe("your own account", () => {
  it("ends your other sessions and keeps this one", async () => {
    const s = await signedIn("responder");
    const { startSession } = await import("../../functions/staff/session");
    const { findMember } = await import("../../functions/staff/queries");
    const member = (await findMember(env.DB, s.memberId!))!;
    const other = await startSession(env.DB, { kind: "member", member, method: "passkey" }, { now: new Date(), userAgent: "other phone" });
    const otherCookie = other.cookie.split(";")[0]!;
    expect((await consoleGet("/admin", { ...s, cookie: otherCookie })).status).toBe(200);
    expect((await consolePost("/admin/me/sessions/end-others", s)).status).toBe(303);
    expect((await consoleGet("/admin", { ...s, cookie: otherCookie })).status).toBe(303);
    expect((await consoleGet("/admin", s)).status).toBe(200);
  });

  it("refuses to remove your only passkey", async () => {
    const s = await signedIn("responder");
    await env.DB.prepare("INSERT INTO staff_passkeys (id, member_id, public_key, counter, label, created_at) VALUES (?1, ?2, 'pk', 0, 'Only one', ?3)").bind(unique("cred"), s.memberId, new Date().toISOString()).run();
    const id = (await env.DB.prepare("SELECT id FROM staff_passkeys WHERE member_id = ?1").bind(s.memberId).first<{ id: string }>())!.id;
    const res = await consolePost(`/admin/me/passkeys/${id}/delete`, s);
    expect(res.status).toBe(409);
    expect(await res.text()).toContain("This is your only passkey");
  });
});
