// `npm run staff -- token create --name <label> [--scopes admin,reports:read] [--remote]`
// `npm run staff -- token list [--remote]`
// `npm run staff -- token revoke <id> [--remote]`
// `npm run staff -- invite --name <display name> --role responder|publisher|admin [--email a@b] [--oncall-person id] [--url URL] [--remote]`
// `npm run staff -- invite --member <id or display name> [--url URL] [--remote]`   (a new link for someone invited before)
// `npm run staff -- members [--remote]`
// Manages staff API tokens and console people in D1 (local state by default, production with
// --remote). A token or an invitation link is shown once; only its SHA-256 is stored.
import "./lib/ts.mjs";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { inviteLink, inviteSql, newMemberSql, ROLES } from "./lib/staff.mjs";
import { d1, sql } from "./lib/wrangler.mjs";

// The scopes the Worker knows (contract/staff.ts, imported as TypeScript by Node).
const { staffScopes: SCOPES } = await import("../contract/staff.ts");

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: "string" },
    scopes: { type: "string", default: "admin" },
    role: { type: "string" },
    email: { type: "string" },
    "oncall-person": { type: "string" },
    member: { type: "string" },
    url: { type: "string" },
    remote: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});

const usage = `Usage:
  npm run staff -- token create --name <label> [--scopes ${SCOPES.join(",")}] [--remote]
  npm run staff -- token list [--remote]
  npm run staff -- token revoke <id> [--remote]
  npm run staff -- invite --name <display name> --role ${ROLES.join("|")} [--email <address>] [--oncall-person <id>] [--url <console origin>] [--remote]
  npm run staff -- invite --member <id or display name> [--url <console origin>] [--remote]
  npm run staff -- members [--remote]`;

const [noun, verb, arg] = positionals;
const remote = values.remote;
if (values.help) fail(usage, 0);
if (noun === "invite") invite();
else if (noun === "members") members();
else if (noun !== "token" || !verb) fail(usage, 2);
else tokens();

/** Where invitation links point: --url, else PUBLIC_URL of wrangler.toml (--remote), else the
 * local console (passkeys need a host name: http://localhost, not 127.0.0.1). */
function consoleOrigin() {
  if (values.url) return values.url.replace(/\/+$/, "");
  if (remote) {
    const m = /^PUBLIC_URL\s*=\s*"([^"]+)"/m.exec(readFileSync(new URL("../wrangler.toml", import.meta.url), "utf8"));
    if (m) return m[1].replace(/\/+$/, "");
  }
  return `http://localhost:${process.env.PORT || 8787}`;
}

function invite() {
  const createdBy = `npm run staff (${process.env.USER || "cli"})`;
  let memberId;
  let who;
  const statements = [];
  if (values.member) {
    const rows = d1(`SELECT id, display_name, disabled_at FROM staff_members WHERE id = ${sql(values.member)} OR display_name = ${sql(values.member)} COLLATE NOCASE`, { remote });
    if (rows.length !== 1) fail(`No staff member "${values.member}" (see: npm run staff -- members).`);
    if (rows[0].disabled_at) fail(`${rows[0].display_name} is disabled; enable them in the console first.`);
    memberId = rows[0].id;
    who = rows[0].display_name;
  } else {
    const name = (values.name ?? "").normalize("NFC").replace(/\s+/g, " ").trim();
    if (name.length < 2 || name.length > 80) fail("Give a --name of 2 to 80 characters: reporters see it under replies.");
    if (!ROLES.includes(values.role)) fail(`Give a --role: ${ROLES.join(", ")}.`);
    const email = values.email ? values.email.trim().toLowerCase() : null;
    if (email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) fail(`"${values.email}" is not an email address.`);
    const clash = d1(`SELECT display_name FROM staff_members WHERE display_name = ${sql(name)} COLLATE NOCASE OR (${sql(email)} IS NOT NULL AND email = ${sql(email)})`, { remote });
    if (clash.length) fail(`"${clash[0].display_name}" has that name or email already; to give them a new link: npm run staff -- invite --member "${clash[0].display_name}"`);
    const created = newMemberSql({ name, email, role: values.role, oncallPersonId: values["oncall-person"] ?? null, createdBy });
    memberId = created.id;
    who = name;
    statements.push(...created.statements);
  }
  const link = inviteSql({ memberId, createdBy });
  statements.push(...link.statements);
  d1(statements.join("\n"), { remote });
  console.log(`Invitation for ${who} (member ${memberId}), valid once until ${link.expiresAt}:`);
  console.log(`\n  ${inviteLink(consoleOrigin(), link.token)}\n`);
  console.log("Send it to them; it is not shown again. Opening it lets them create a passkey for the console.");
}

function members() {
  const rows = d1(
    `SELECT m.id, m.display_name, m.email, m.role, m.disabled_at, (SELECT COUNT(*) FROM staff_passkeys p WHERE p.member_id = m.id) AS passkeys
     FROM staff_members m ORDER BY m.display_name`,
    { remote },
  );
  if (rows.length === 0) console.log("No staff members yet. Invite one: npm run staff -- invite --name <name> --role admin");
  for (const r of rows) console.log(`${r.id}  ${r.display_name}  ${r.role}  ${r.email ?? "-"}  ${r.passkeys} passkey(s)${r.disabled_at ? "  DISABLED" : ""}`);
}

function tokens() {
  if (verb === "create") {
    const name = (values.name ?? "").trim();
    if (!name || name.length > 80) fail("Give the token a --name of 1 to 80 characters (who or what uses it).");
    const scopes = values.scopes.split(",").map((s) => s.trim()).filter(Boolean);
    const unknown = scopes.filter((s) => !SCOPES.includes(s));
    if (unknown.length || scopes.length === 0) fail(`Unknown scope(s): ${unknown.join(", ") || "(none)"}. Choose from ${SCOPES.join(", ")}.`);
    const secret = `oob_${randomBytes(32).toString("base64url")}`;
    const hash = createHash("sha256").update(secret).digest("hex");
    const id = randomUUID();
    d1(
      `INSERT INTO staff_tokens (id, name, token_hash, scopes, created_at) VALUES (${sql(id)}, ${sql(name)}, ${sql(hash)}, ${sql(scopes.join(" "))}, ${sql(new Date().toISOString())})`,
      { remote },
    );
    console.log(`Created staff token "${name}" (id ${id}, scopes: ${scopes.join(" ")}).`);
    console.log(`\n  ${secret}\n`);
    console.log("Store it now: it is not shown again. Use it as: Authorization: Bearer <token>");
  } else if (verb === "list") {
    const rows = d1("SELECT id, name, scopes, created_at, last_used_at, revoked_at FROM staff_tokens ORDER BY created_at DESC", { remote });
    if (rows.length === 0) console.log("No staff tokens yet. Create one with: npm run staff -- token create --name <label>");
    for (const r of rows) {
      const state = r.revoked_at ? `revoked ${r.revoked_at}` : `last used ${r.last_used_at ?? "never"}`;
      console.log(`${r.id}  ${r.name}  [${r.scopes}]  created ${r.created_at}  ${state}`);
    }
  } else if (verb === "revoke") {
    if (!arg) fail("Give the id of the token to revoke (see: npm run staff -- token list).");
    const rows = d1(`UPDATE staff_tokens SET revoked_at = ${sql(new Date().toISOString())} WHERE id = ${sql(arg)} AND revoked_at IS NULL RETURNING id`, { remote });
    if (rows.length === 0) fail(`No active token with id ${arg}.`);
    console.log(`Revoked ${arg}. Requests with it now get 401.`);
  } else {
    fail(usage);
  }
}

function fail(message, code = 1) {
  (code === 0 ? console.log : console.error)(message);
  process.exit(code);
}
