// People, tokens and the audit log (admin), and each person's own account: passkeys, sessions,
// sign-out. Every change is one D1 batch with its audit row (who, what, when, before, after).
import { Hono, type Context } from "hono";
import * as z from "zod";
import { roleLabel, roleScopes, StaffInviteInput, StaffRole, staffRoles, StaffScope, staffScopes, DisplayName, StaffEmail } from "../../contract/staff";
import { loadActiveConfig } from "../oncall/queries";
import { ApiError } from "../platform/errors";
import { html, type SafeHtml } from "../platform/html";
import type { AppEnv, StaffPrincipal } from "../platform/types";
import { auditStatement, deletePasskeyStatement, findMember, listActiveSessionsOf, listAudit, listMembers, listPasskeysOf, revokeSessionsOfMemberStatement, revokeSessionsOfTokenStatement, type AuditEntry, findStaffToken, listStaffTokens, revokeStaffTokenStatement } from "../staff/queries";
import { requireScope } from "../staff/auth";
import { changeMember, inviteMember, inviteUrl, reinviteMember } from "../staff/members";
import { PasskeyLabel, RegistrationResponse, registrationOptions, relyingPartyFor, requireRelyingParty, verifyRegistration } from "../staff/passkeys";
import { auditJson, AuditQuery, inviteOrigin } from "../staff/routes";
import { endSession } from "../staff/session";
import { createStaffTokenStatement } from "../staff/tokens";
import { checkForm, formOf, jsonOf } from "./forms";
import { actionButton, csrfField, flashFrom, redirect, renderConsolePage, tag, time } from "./layout";
import { signOutResponse } from "./signin-routes";

type Ctx = Context<AppEnv>;

function option(value: string, label: string, chosen: string | null | undefined): SafeHtml {
  return html`<option value="${value}"${value === (chosen ?? "") ? html` selected` : ""}>${label}</option>`;
}

async function oncallPeople(db: D1Database): Promise<Array<{ id: string; name: string }>> {
  const stored = await loadActiveConfig(db, { lenient: true });
  return stored ? stored.config.people.map((p) => ({ id: p.id, name: p.name })) : [];
}

function personSelect(id: string, people: Array<{ id: string; name: string }>, chosen: string | null): SafeHtml {
  return html`<select id="${id}" name="oncall_person_id">${option("", "None", chosen)}${people.map((p) => option(p.id, `${p.name} (${p.id})`, chosen))}</select>`;
}

// ---- people ---------------------------------------------------------------------------------

const InviteForm = StaffInviteInput.extend({
  oncall_person_id: z
    .string()
    .regex(/^[a-z0-9_-]{0,64}$/, "Choose from the list.")
    .transform((v) => v || null)
    .default(""),
});

const MemberForm = z.object({
  display_name: DisplayName,
  email: z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? null : v), StaffEmail.nullable()),
  role: StaffRole,
  oncall_person_id: z
    .string()
    .regex(/^[a-z0-9_-]{0,64}$/, "Choose from the list.")
    .transform((v) => v || null),
  disabled: z.enum(["", "1"]).default(""),
});

const TokenForm = z.object({
  name: z
    .string()
    .trim()
    .min(1, "Name the token after who or what uses it.")
    .max(80, "Keep the name under 80 characters."),
  scopes: z.array(StaffScope).min(1, "Choose at least one scope."),
  member_id: z
    .string()
    .regex(/^(stf_[A-Za-z0-9_-]{8,40})?$/)
    .transform((v) => v || null),
});

async function peoplePage(c: Ctx, extra: { shown?: SafeHtml; errors?: Record<string, string>; status?: number } = {}): Promise<Response> {
  const staff = c.get("staff");
  const db = c.env.DB;
  const now = new Date();
  const [members, tokens, people] = await Promise.all([listMembers(db, now.toISOString()), listStaffTokens(db), oncallPeople(db)]);
  const memberName = new Map(members.map((m) => [m.id, m.displayName]));
  const errors = extra.errors ?? {};
  const main = html`<h1>People and tokens</h1>
    ${extra.shown ?? ""}
    ${Object.keys(errors).length > 0 ? html`<div class="flash" data-kind="error" role="alert"><p>Please correct: ${Object.values(errors).join(" ")}</p></div>` : ""}
    <div class="grid2">
      <section>
        <h2>Staff (${members.length})</h2>
        <ul class="items">${members.map(
          (m) => html`<li class="item" data-tone="${m.disabledAt ? "none" : m.role === "admin" ? "info" : "ok"}">
            <h3>${m.displayName} ${tag(m.role)} ${m.disabledAt ? tag("disabled", "warn") : ""}</h3>
            <p class="meta"><span>${m.email ?? "no email"}</span><span>${m.passkeys} passkey(s)</span><span>last sign-in ${time(m.lastSignInAt)}</span>${m.pendingInviteExpiresAt ? html`<span>invitation open until ${time(m.pendingInviteExpiresAt)}</span>` : ""}</p>
            <details class="more"><summary>Change ${m.displayName}</summary>
              <form class="console-form" method="post" action="/admin/people/${m.id}">
                ${csrfField(staff)}
                <div class="field"><label for="n-${m.id}">Display name (reporters see it under replies)</label><input type="text" id="n-${m.id}" name="display_name" value="${m.displayName}" maxlength="80" required /></div>
                <div class="field"><label for="e-${m.id}">Email (Cloudflare Access signs in by it)</label><input type="email" id="e-${m.id}" name="email" value="${m.email ?? ""}" maxlength="254" /></div>
                <div class="field"><label for="r-${m.id}">Role</label><select id="r-${m.id}" name="role">${staffRoles.map((r) => option(r, r, m.role))}</select></div>
                <div class="field"><label for="p-${m.id}">On-call person</label>${personSelect(`p-${m.id}`, people, m.oncallPersonId)}</div>
                <label class="choice"><input type="checkbox" name="disabled" value="1"${m.disabledAt ? html` checked` : ""} /> <span>Disabled (cannot sign in; sessions end)</span></label>
                <p class="buttons"><button type="submit" class="button small">Save</button></p>
              </form>
              ${m.disabledAt ? "" : actionButton(staff, `/admin/people/${m.id}/invite`, "New invitation link", { style: "secondary" })}
            </details>
          </li>`,
        )}</ul>
        <h2>Invite someone</h2>
        <form class="console-form card" method="post" action="/admin/people" novalidate>
          ${csrfField(staff)}
          <div class="field"><label for="invite-name">Display name</label><input type="text" id="invite-name" name="name" maxlength="80" required /></div>
          <div class="field"><label for="invite-email">Email <span class="req">(optional; needed for Cloudflare Access)</span></label><input type="email" id="invite-email" name="email" maxlength="254" /></div>
          <div class="field"><label for="invite-role">Role</label><select id="invite-role" name="role" aria-describedby="roles-hint">${staffRoles.map((r) => option(r, r, "responder"))}</select>
            <ul class="hint" id="roles-hint">${staffRoles.map((r) => html`<li>${roleLabel[r]}</li>`)}</ul></div>
          <div class="field"><label for="invite-person">On-call person <span class="req">(optional)</span></label>${personSelect("invite-person", people, null)}</div>
          <p class="buttons"><button type="submit" class="button">Create invitation link</button></p>
        </form>
      </section>
      <section>
        <h2>Staff API tokens (${tokens.filter((t) => !t.revokedAt).length} active)</h2>
        <ul class="items">${tokens.map(
          (t) => html`<li class="item" data-tone="${t.revokedAt ? "none" : "info"}">
            <h3>${t.name} ${t.revokedAt ? tag("revoked", "warn") : ""}</h3>
            <p class="meta"><span>${t.scopes.join(" ")}</span>${t.memberId ? html`<span>belongs to ${memberName.get(t.memberId) ?? t.memberId}</span>` : ""}<span>created ${time(t.createdAt)}</span><span>last used ${time(t.lastUsedAt)}</span></p>
            ${t.revokedAt ? "" : html`<div class="actions">${actionButton(staff, `/admin/tokens/${t.id}/revoke`, "Revoke", { style: "danger" })}</div>`}
          </li>`,
        )}</ul>
        <h2>Create a token</h2>
        <form class="console-form card" method="post" action="/admin/tokens" novalidate>
          ${csrfField(staff)}
          <div class="field"><label for="token-name">Name (who or what uses it)</label><input type="text" id="token-name" name="name" maxlength="80" required /></div>
          <fieldset><legend>Scopes</legend>${staffScopes.map((s) => html`<label class="choice"><input type="checkbox" name="scopes" value="${s}"${roleScopes.responder.includes(s) ? html` checked` : ""} /> <span><code>${s}</code></span></label>`)}</fieldset>
          <div class="field"><label for="token-member">Belongs to <span class="req">(what it writes is theirs, e.g. their name under replies)</span></label><select id="token-member" name="member_id">${option("", "Nobody (a script)", "")}${members.filter((m) => !m.disabledAt).map((m) => option(m.id, m.displayName, ""))}</select></div>
          <p class="buttons"><button type="submit" class="button">Create token</button></p>
        </form>
      </section>
    </div>`;
  return renderConsolePage(c.env, c.req.url, { title: "People", nav: "people", staff, main, status: extra.status, flash: flashFrom(c.req.url) });
}

function shownOnce(title: string, secret: string, note: string): SafeHtml {
  return html`<div class="flash" data-kind="ok" role="status"><p><strong>${title}</strong> ${note}</p><code class="secret">${secret}</code></div>`;
}

// ---- audit ----------------------------------------------------------------------------------

function auditItem(e: AuditEntry): SafeHtml {
  const json = (v: unknown) => JSON.stringify(v, null, 2);
  return html`<li class="item">
    <h3><code>${e.action}</code> ${e.target ? html`<span class="muted small">${e.target}</span>` : ""}</h3>
    <p class="meta"><span>${time(e.createdAt)}</span><span>by ${e.actor}${e.actorId ? html` <span class="muted">(${e.actorId})</span>` : ""}</span></p>
    ${
      e.before !== null || e.after !== null || e.detail !== null
        ? html`<details class="more"><summary>Before, after, detail</summary>
            ${e.before !== null ? html`<p class="small">Before</p><pre class="json">${json(e.before)}</pre>` : ""}
            ${e.after !== null ? html`<p class="small">After</p><pre class="json">${json(e.after)}</pre>` : ""}
            ${e.detail !== null ? html`<p class="small">Detail</p><pre class="json">${json(e.detail)}</pre>` : ""}
          </details>`
        : ""
    }
  </li>`;
}

// ---- my account -----------------------------------------------------------------------------

async function mePage(c: Ctx): Promise<Response> {
  const staff = c.get("staff");
  const db = c.env.DB;
  const now = new Date();
  const config = c.get("services").config;
  const member = staff.memberId ? await findMember(db, staff.memberId) : null;
  const [passkeys, sessions] = member ? await Promise.all([listPasskeysOf(db, member.id), listActiveSessionsOf(db, member.id, now.toISOString())]) : [[], []];
  const csrf = staff.session?.csrfToken ?? "";
  const main = html`<h1>Your account</h1>
    <dl class="kv">
      <div><dt>Name</dt><dd>${staff.name}</dd></div>
      <div><dt>Role</dt><dd>${staff.role ? roleLabel[staff.role] : html`Signed in with a token: <code>${staff.scopes.join(" ")}</code>`}</dd></div>
      ${member?.email ? html`<div><dt>Email</dt><dd>${member.email}</dd></div>` : ""}
      <div><dt>Signed in with</dt><dd>${staff.session?.method ?? "?"}</dd></div>
    </dl>
    ${
      member
        ? html`<h2>Passkeys</h2>
          <ul class="items">${passkeys.map(
            (p) => html`<li class="item">
              <h3>${p.label}</h3>
              <p class="meta"><span>added ${time(p.createdAt)}</span><span>last used ${time(p.lastUsedAt)}</span>${p.backedUp ? html`<span>${tag("synced", "info")}</span>` : ""}</p>
              ${passkeys.length > 1 ? html`<div class="actions">${actionButton(staff, `/admin/me/passkeys/${encodeURIComponent(p.id)}/delete`, "Remove", { style: "danger" })}</div>` : ""}
            </li>`,
          )}</ul>
          ${passkeys.length === 0 ? html`<p class="empty">No passkey yet.</p>` : ""}
          ${
            relyingPartyFor(config, c.req.url)
              ? html`<section class="card passkey-area" data-passkey-area hidden>
                  <h3>Add a passkey</h3>
                  <div class="console-form">
                    <div class="field"><label for="label">Name it</label><input type="text" id="label" name="label" maxlength="60" placeholder="e.g. Phone" autocomplete="off" /></div>
                    <p class="buttons"><button type="button" class="button" data-passkey="register" data-options-url="/admin/me/passkeys/options" data-verify-url="/admin/me/passkeys" data-csrf="${csrf}">Add a passkey</button></p>
                    <p class="status-line" data-passkey-status role="status" aria-live="polite"></p>
                  </div>
                </section>
                <p class="muted" data-passkey-missing>Adding a passkey needs JavaScript.</p>`
              : html`<p class="muted">Passkeys work on ${inviteOrigin(config)}/admin/me.</p>`
          }
          <h2>Sessions (${sessions.length})</h2>
          <ul class="items">${sessions.map(
            (s) => html`<li class="item"${s.id === staff.session?.id ? html` data-tone="ok"` : ""}>
              <h3>${s.method} ${s.id === staff.session?.id ? tag("this one", "ok") : ""}</h3>
              <p class="meta"><span>since ${time(s.createdAt)}</span><span>last seen ${time(s.lastSeenAt)}</span><span>${s.userAgent ?? "unknown browser"}</span></p>
            </li>`,
          )}</ul>
          ${sessions.length > 1 ? actionButton(staff, "/admin/me/sessions/end-others", "Sign out everywhere else", { style: "secondary" }) : ""}`
        : html`<p class="muted">Token sessions have no passkeys. Ask an admin to invite you as a person.</p>`
    }`;
  return renderConsolePage(c.env, c.req.url, { title: "Your account", nav: "me", staff, main, flash: flashFrom(c.req.url) });
}

function requireMember(staff: StaffPrincipal): string {
  if (!staff.memberId) throw new ApiError("forbidden", "Signed in with a token: only people have passkeys.");
  return staff.memberId;
}

const AddPasskey = z.object({ challengeId: z.string().regex(/^wch_[A-Za-z0-9_-]{10,40}$/), response: RegistrationResponse, label: PasskeyLabel.default("Passkey") });

export const peopleConsoleRoutes = new Hono<AppEnv>()
  .get("/admin/people", requireScope("admin"), (c) => peoplePage(c))
  .post("/admin/people", requireScope("admin"), async (c) => {
    const form = formOf(c);
    const parsed = checkForm(InviteForm, { name: form.get("name") ?? "", email: form.get("email") ?? "", role: form.get("role") ?? "", oncall_person_id: form.get("oncall_person_id") ?? "" });
    if (!parsed.ok) return peoplePage(c, { errors: parsed.errors, status: 400 });
    const { oncall_person_id, ...input } = parsed.value;
    const created = await inviteMember(c.env.DB, { ...input, oncallPersonId: oncall_person_id }, c.get("staff"), new Date());
    const link = inviteUrl(inviteOrigin(c.get("services").config), created.token);
    return peoplePage(c, { shown: shownOnce(`Invitation for ${created.member.displayName}.`, link, `Send this link to them (it works once, until ${created.expiresAt.slice(0, 10)}); it is not shown again.`) });
  })
  .post("/admin/people/:id", requireScope("admin"), async (c) => {
    const form = formOf(c);
    const parsed = checkForm(MemberForm, Object.fromEntries(form));
    if (!parsed.ok) return peoplePage(c, { errors: parsed.errors, status: 400 });
    const v = parsed.value;
    await changeMember(
      c.env.DB,
      c.req.param("id"),
      { role: v.role, displayName: v.display_name, email: v.email, oncallPersonId: v.oncall_person_id, disabled: v.disabled === "1" },
      c.get("staff"),
      new Date(),
    );
    return redirect("/admin/people?done=member-updated");
  })
  .post("/admin/people/:id/invite", requireScope("admin"), async (c) => {
    formOf(c);
    const created = await reinviteMember(c.env.DB, c.req.param("id"), c.get("staff"), new Date());
    const link = inviteUrl(inviteOrigin(c.get("services").config), created.token);
    return peoplePage(c, { shown: shownOnce(`New invitation for ${created.member.displayName}.`, link, "Older links of theirs no longer work. It is not shown again.") });
  })
  .post("/admin/tokens", requireScope("admin"), async (c) => {
    const form = formOf(c);
    const parsed = checkForm(TokenForm, { name: form.get("name") ?? "", scopes: form.getAll("scopes"), member_id: form.get("member_id") ?? "" });
    if (!parsed.ok) return peoplePage(c, { errors: parsed.errors, status: 400 });
    const staff = c.get("staff");
    const now = new Date();
    const v = parsed.value;
    if (v.member_id && !(await findMember(c.env.DB, v.member_id))) throw new ApiError("validation_failed", "That staff member does not exist.", { fields: { member_id: "Unknown." } });
    const { statement, token, secret } = await createStaffTokenStatement(c.env.DB, { name: v.name, scopes: v.scopes, memberId: v.member_id, now });
    await c.env.DB.batch([
      statement,
      auditStatement(c.env.DB, { actor: staff.name, actorId: staff.actorId, action: "staff.token.create", target: token.id, after: { name: token.name, scopes: token.scopes, member_id: token.memberId }, now }),
    ]);
    return peoplePage(c, { shown: shownOnce(`Token "${token.name}" created.`, secret, "Copy it now: only its hash is stored, it is not shown again. Use it as Authorization: Bearer <token>.") });
  })
  .post("/admin/tokens/:id/revoke", requireScope("admin"), async (c) => {
    formOf(c);
    const staff = c.get("staff");
    const now = new Date();
    const token = await findStaffToken(c.env.DB, c.req.param("id"));
    if (!token) throw new ApiError("not_found", "There is no token with this id.");
    if (!token.revokedAt) {
      await c.env.DB.batch([
        revokeStaffTokenStatement(c.env.DB, token.id, now),
        revokeSessionsOfTokenStatement(c.env.DB, token.id, now.toISOString()),
        auditStatement(c.env.DB, { actor: staff.name, actorId: staff.actorId, action: "staff.token.revoke", target: token.id, before: { revoked: false }, after: { revoked: true }, detail: { name: token.name }, now }),
      ]);
    }
    return redirect("/admin/people?done=token-revoked");
  })
  .get("/admin/audit", requireScope("admin"), async (c) => {
    const staff = c.get("staff");
    const parsed = AuditQuery.safeParse(c.req.query());
    if (!parsed.success) throw new ApiError("validation_failed", "Those filters are not valid.");
    const q = { ...parsed.data, limit: Math.min(parsed.data.limit, 100) };
    const entries = await listAudit(c.env.DB, { actor: q.actor, action: q.action, target: q.target, beforeId: q.before, limit: q.limit });
    const params = new URLSearchParams(Object.entries({ actor: q.actor, action: q.action, target: q.target }).filter((e): e is [string, string] => Boolean(e[1])));
    const older = entries.length === q.limit ? new URLSearchParams([...params, ["before", String(entries.at(-1)!.id)]]) : null;
    const main = html`<h1>Audit log</h1>
      <p class="muted">Every write: who, what, when, and the state before and after. <a href="/admin/audit.json?${params.toString()}">Export as JSON</a> (up to 1,000 entries per file; the staff API: <code>GET /api/admin/audit</code>).</p>
      <form class="filters card" method="get" action="/admin/audit">
        <div class="field"><label for="actor">Who (name or id)</label><input type="text" id="actor" name="actor" value="${q.actor ?? ""}" maxlength="200" /></div>
        <div class="field"><label for="action">Action (or its start, e.g. <code>incident.</code>)</label><input type="text" id="action" name="action" value="${q.action ?? ""}" maxlength="100" /></div>
        <div class="field"><label for="target">Target id</label><input type="text" id="target" name="target" value="${q.target ?? ""}" maxlength="200" /></div>
        <button type="submit" class="button">Filter</button>
      </form>
      <h2 class="sr-only">Entries, newest first</h2>
      ${entries.length === 0 ? html`<p class="empty">Nothing matches.</p>` : html`<ul class="items">${entries.map(auditItem)}</ul>`}
      ${older ? html`<p class="pagination"><a rel="next" href="/admin/audit?${older.toString()}">Older entries</a></p>` : ""}`;
    return renderConsolePage(c.env, c.req.url, { title: "Audit log", nav: "audit", staff, main });
  })
  .get("/admin/audit.json", requireScope("admin"), async (c) => {
    const parsed = AuditQuery.safeParse({ limit: "1000", ...c.req.query() });
    if (!parsed.success) throw new ApiError("validation_failed", "Those filters are not valid.");
    const q = parsed.data;
    const entries = await listAudit(c.env.DB, { actor: q.actor, action: q.action, target: q.target, beforeId: q.before, limit: q.limit });
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    return new Response(JSON.stringify({ exported_at: new Date().toISOString(), entries: entries.map(auditJson), next_before: entries.length === q.limit ? entries.at(-1)!.id : null }, null, 2), {
      headers: { "content-type": "application/json; charset=utf-8", "content-disposition": `attachment; filename="audit-${stamp}.json"` },
    });
  })
  .get("/admin/me", (c) => mePage(c))
  .post("/admin/me/passkeys/options", async (c) => {
    const memberId = requireMember(c.get("staff"));
    const member = await findMember(c.env.DB, memberId);
    if (!member) throw new ApiError("not_found", "Your staff record is gone.");
    const rp = requireRelyingParty(c.get("services").config, c.req.url);
    const { challengeId, options } = await registrationOptions(c.env.DB, { member, inviteId: null, rp, now: new Date() });
    return c.json({ challengeId, options });
  })
  .post("/admin/me/passkeys", async (c) => {
    const staff = c.get("staff");
    const memberId = requireMember(staff);
    const input = jsonOf(c, AddPasskey);
    const now = new Date();
    const rp = requireRelyingParty(c.get("services").config, c.req.url);
    const { passkey, statement } = await verifyRegistration(c.env.DB, { challengeId: input.challengeId, response: input.response, rp, label: input.label, now, memberId, inviteId: null });
    await c.env.DB.batch([
      statement,
      auditStatement(c.env.DB, { actor: staff.name, actorId: staff.actorId, action: "staff.passkey.add", target: memberId, after: { passkey: passkey.id, label: passkey.label }, detail: { via: "account page" }, now }),
    ]);
    return c.json({ redirect: "/admin/me?done=passkey-added" });
  })
  .post("/admin/me/passkeys/:id/delete", async (c) => {
    formOf(c);
    const staff = c.get("staff");
    const memberId = requireMember(staff);
    const passkeys = await listPasskeysOf(c.env.DB, memberId);
    const target = passkeys.find((p) => p.id === c.req.param("id"));
    if (!target) throw new ApiError("not_found", "You have no passkey with this id.");
    if (passkeys.length <= 1) throw new ApiError("conflict", "This is your only passkey: add another before removing it, or you cannot sign in again.");
    const now = new Date();
    await c.env.DB.batch([
      deletePasskeyStatement(c.env.DB, target.id, memberId),
      auditStatement(c.env.DB, { actor: staff.name, actorId: staff.actorId, action: "staff.passkey.remove", target: memberId, before: { passkey: target.id, label: target.label }, after: null, now }),
    ]);
    return redirect("/admin/me?done=passkey-removed");
  })
  .post("/admin/me/sessions/end-others", async (c) => {
    formOf(c);
    const staff = c.get("staff");
    const memberId = requireMember(staff);
    const now = new Date();
    await c.env.DB.batch([
      revokeSessionsOfMemberStatement(c.env.DB, memberId, now.toISOString(), staff.session?.id ?? null),
      auditStatement(c.env.DB, { actor: staff.name, actorId: staff.actorId, action: "staff.sessions.end_others", target: memberId, now }),
    ]);
    return redirect("/admin/me?done=sessions-ended");
  })
  .post("/admin/sign-out", async (c) => {
    formOf(c);
    await endSession(c.env.DB, c.get("staff"), new Date());
    return signOutResponse();
  });
