// `npm run staff -- token create --name <label> [--scopes admin,reports:read] [--remote]`
// `npm run staff -- token list [--remote]`
// `npm run staff -- token revoke <id> [--remote]`
// Manages staff API tokens in D1 (local state by default, production with --remote). A token
// is shown once, at creation; only its SHA-256 is stored.
import "./lib/ts.mjs";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { d1, sql } from "./lib/wrangler.mjs";

// The scopes the Worker knows (contract/staff.ts, imported as TypeScript by Node).
const { staffScopes: SCOPES } = await import("../contract/staff.ts");

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: "string" },
    scopes: { type: "string", default: "admin" },
    remote: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});

const usage = `Usage:
  npm run staff -- token create --name <label> [--scopes ${SCOPES.join(",")}] [--remote]
  npm run staff -- token list [--remote]
  npm run staff -- token revoke <id> [--remote]`;

const [noun, verb, arg] = positionals;
if (values.help || noun !== "token" || !verb) fail(usage, values.help ? 0 : 2);
const remote = values.remote;

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

function fail(message, code = 1) {
  (code === 0 ? console.log : console.error)(message);
  process.exit(code);
}
