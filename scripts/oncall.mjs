// `npm run oncall -- push <file> [--remote] [--dry-run]`  validate, then store as the active version
// `npm run oncall -- pull [file] [--remote] [--version N]` export the active (or a past) version
// `npm run oncall -- now [--remote] [--days 14] [--file f]` who is on call now and the next days
// `npm run oncall -- override <rotation> <person> <start> <end> [--note ..]`  "I take tonight"
// `npm run oncall -- history [--remote]`                   the stored versions
// `npm run oncall -- schema [file]`                        JSON Schema of the document, for editors
//
// The configuration is validated here with the same zod schema the Worker uses
// (functions/oncall/config.ts, imported as TypeScript by Node) and written straight into D1 with
// `wrangler d1 execute`: local state by default, production with --remote. No running server
// is needed, and a push is one SQL file: the new version row plus its audit row.
import "./lib/ts.mjs";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { applyMigrations, d1, sql, stateDir, wrangler } from "./lib/wrangler.mjs";

const { OncallConfig, oncallJsonSchema } = await import("../functions/oncall/config.ts");
const { onCallAt, shiftsBetween, gapsBetween, LOOKAHEAD_DAYS } = await import("../functions/oncall/schedule.ts");
const { planFor } = await import("../functions/oncall/resolve.ts");
const { wallClockAt, formatWall, DAY } = await import("../functions/platform/zoned-time.pure.ts");

const usage = `Usage:
  npm run oncall -- push <file.json|file.yaml> [--remote] [--dry-run]
  npm run oncall -- pull [file] [--remote] [--version N]
  npm run oncall -- now [--remote] [--days ${LOOKAHEAD_DAYS}] [--file f]
  npm run oncall -- override <rotation> <person> <start> <end> [--note "I take tonight"] [--remote]
      start/end: wall clock in the rotation's timezone (2026-12-24T18:00) or ISO with Z/offset
  npm run oncall -- history [--remote]
  npm run oncall -- schema [file]        (JSON Schema for editors; the repo keeps oncall.schema.json)`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    remote: { type: "boolean", default: false },
    "dry-run": { type: "boolean", default: false },
    version: { type: "string" },
    days: { type: "string", default: String(LOOKAHEAD_DAYS) },
    file: { type: "string" },
    note: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});

function fail(message, code = 1) {
  console.error(message);
  process.exit(code);
}

const [command, arg] = positionals;
if (values.help || !command) fail(usage, values.help ? 0 : 2);
const remote = values.remote;
const where = remote ? "production D1 (--remote)" : "local D1";

async function readDocument(path) {
  let text;
  try {
    text = readFileSync(resolve(path), "utf8");
  } catch (err) {
    fail(`Cannot read ${path}: ${err.message}`);
  }
  if (/\.ya?ml$/i.test(path)) {
    const { parse } = await import("yaml").catch(() => fail("Reading YAML needs the `yaml` package (npm install -D yaml); or write the file as JSON."));
    try {
      return parse(text);
    } catch (err) {
      fail(`${path} is not valid YAML: ${err.message}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    fail(`${path} is not valid JSON: ${err.message}`);
  }
}

function validate(doc, source) {
  const result = OncallConfig.safeParse(doc);
  if (result.success) return result.data;
  console.error(`${source} is not a valid on-call configuration:`);
  for (const issue of result.error.issues) console.error(`  ${issue.path.length ? issue.path.join(".") : "(document)"}: ${issue.message}`);
  process.exit(1);
}

/**
 * Reads from D1. Locally, a database that has never been migrated (a fresh clone before the
 * first `npm start`) is migrated first; checking only on failure saves a wrangler run per command.
 */
function query(text) {
  if (remote) return d1(text, { remote });
  const args = ["d1", "execute", "DB", "--local", "--persist-to", stateDir(), "--json", "--yes", `--command=${text}`];
  const first = wrangler(args, { allowFailure: true });
  if (first.ok) return JSON.parse(first.stdout.slice(first.stdout.indexOf("["))).flatMap((r) => r.results ?? []);
  if (!/no such table/i.test(first.stdout + first.stderr)) {
    process.stderr.write(first.stdout + first.stderr);
    fail("wrangler d1 execute failed");
  }
  applyMigrations();
  return d1(text);
}

function activeRow() {
  const [row] = query("SELECT version, document, sha256, created_at, created_by FROM oncall_configs ORDER BY version DESC LIMIT 1");
  return row ?? null;
}

function loadActive() {
  const row = activeRow();
  if (!row) fail(`No on-call configuration in ${where} yet. Push one: npm run oncall -- push oncall.json`);
  return { version: row.version, config: validate(JSON.parse(row.document), `Stored version ${row.version}`) };
}

const local = (tz, date) => formatWall(wallClockAt(tz, date.getTime()));

function printSchedule(config, days, onlyRotation = null) {
  const now = new Date();
  const until = new Date(now.getTime() + days * DAY);
  for (const r of config.rotations.filter((x) => onlyRotation === null || x.id === onlyRotation)) {
    const current = onCallAt(r, now);
    console.log(`\n${r.name ?? r.id} (${r.id}, ${r.timezone})`);
    console.log(current ? `  now: ${current.personId}${current.source === "override" ? " (override)" : ""} until ${local(r.timezone, current.end)}` : "  now: NOBODY");
    for (const s of shiftsBetween(r, now, until)) {
      const note = s.source === "override" ? `  override${s.note ? `: ${s.note}` : ""}` : "";
      console.log(`  ${local(r.timezone, s.start)} -> ${local(r.timezone, s.end)}  ${s.personId}${note}`);
    }
    for (const g of gapsBetween(r, now, until)) console.log(`  GAP ${local(r.timezone, g.start)} -> ${local(r.timezone, g.end)}: nobody on call`);
  }
  console.log("\nPolicies now:");
  for (const p of config.policies) {
    const plan = planFor({ ...config, routing: { rules: [], defaultPolicy: p.id } }, { channel: "web", urgency: "high", componentId: null }, now);
    const levels = plan.levels.map((l, i) => `L${i + 1} ${l.targets.map((t) => t.personId).join("+")} (${l.timeoutMinutes} min)`).join(" -> ");
    console.log(`  ${p.id}: ${levels || "NOBODY to page"}${p.repeat ? `, repeated ${p.repeat}x` : ""}`);
  }
}

/** Stores a validated configuration as the new active version (unless it is the active one). */
function store(config, source, action, detail) {
  const document = JSON.stringify(config);
  const sha256 = createHash("sha256").update(document).digest("hex");
  // D1 refuses SQL statements over 100 KB; the document travels inside one INSERT.
  if (Buffer.byteLength(document) > 95_000) {
    fail(`The configuration is ${Math.round(Buffer.byteLength(document) / 1024)} KB as stored; D1 takes at most ~95 KB in one statement. Remove old overrides or comments.`);
  }
  const active = activeRow();
  if (active && active.sha256 === sha256) {
    console.log(`Unchanged: ${where} already has this configuration as version ${active.version}.`);
    return;
  }
  const now = new Date().toISOString();
  const actor = `cli (${process.env.USER || "unknown"})`;
  const statements = [
    `INSERT INTO oncall_configs (document, sha256, created_at, created_by) VALUES (${sql(document)}, ${sql(sha256)}, ${sql(now)}, ${sql(actor)}) RETURNING version;`,
    `INSERT INTO audit_log (actor, action, target, detail, created_at) VALUES (${sql(actor)}, ${sql(action)}, 'oncall', ${sql(JSON.stringify({ ...detail, sha256 }))}, ${sql(now)});`,
  ];
  const file = join(mkdtempSync(join(tmpdir(), "oob-oncall-")), "push.sql");
  writeFileSync(file, statements.join("\n") + "\n");
  const [stored] = d1(file, { remote, file: true }).filter((row) => "version" in row);
  console.log(`Stored ${source} in ${where} as version ${stored?.version ?? "?"}.`);
}

if (command === "push") {
  if (!arg) fail(usage, 2);
  const config = validate(await readDocument(arg), arg);
  const summary = `${config.people.length} people, ${config.rotations.length} rotations, ${config.policies.length} policies, ${config.routing.rules.length} routing rules`;
  if (values["dry-run"]) {
    console.log(`${arg} is valid: ${summary}. Nothing stored (--dry-run).`);
    process.exit(0);
  }
  console.log(`${arg}: ${summary}.`);
  store(config, arg, "oncall.replace", { people: config.people.length, rotations: config.rotations.length, policies: config.policies.length });
  printSchedule(config, 1);
} else if (command === "override") {
  // "I take tonight": a new version with one more override on the rotation.
  const [, rotationId, person, start, end] = positionals;
  if (!rotationId || !person || !start || !end) fail(usage, 2);
  const { config } = loadActive();
  if (!config.rotations.some((r) => r.id === rotationId)) fail(`There is no rotation "${rotationId}" (${config.rotations.map((r) => r.id).join(", ")}).`);
  const override = { person, start, end, ...(values.note ? { note: values.note } : {}) };
  const next = validate(
    { ...config, rotations: config.rotations.map((r) => (r.id === rotationId ? { ...r, overrides: [...r.overrides, override] } : r)) },
    "The configuration with that override",
  );
  store(next, `the override (${person} on ${rotationId})`, "oncall.override", { rotation: rotationId, ...override });
  printSchedule(next, 2, rotationId);
} else if (command === "pull") {
  const rows = values.version
    ? query(`SELECT version, document FROM oncall_configs WHERE version = ${Number(values.version) | 0}`)
    : query("SELECT version, document FROM oncall_configs ORDER BY version DESC LIMIT 1");
  if (rows.length === 0) fail(values.version ? `There is no version ${values.version} in ${where}.` : `No on-call configuration in ${where} yet.`);
  const text = JSON.stringify(JSON.parse(rows[0].document), null, 2) + "\n";
  if (arg) {
    writeFileSync(resolve(arg), text);
    console.error(`Wrote version ${rows[0].version} from ${where} to ${arg}.`);
  } else process.stdout.write(text);
} else if (command === "now") {
  const days = Number(values.days);
  if (!Number.isInteger(days) || days < 1 || days > 62) fail("--days must be a whole number from 1 to 62.");
  const { version, config } = values.file ? { version: "(file)", config: validate(await readDocument(values.file), values.file) } : loadActive();
  console.log(`On call now and for the next ${days} days (configuration version ${version}, times in each rotation's timezone):`);
  printSchedule(config, days);
} else if (command === "schema") {
  // The JSON Schema of the document, for editors (oncall.example.json points at it with $schema).
  const text = JSON.stringify(oncallJsonSchema(), null, 2) + "\n";
  if (arg) {
    writeFileSync(resolve(arg), text);
    console.error(`Wrote the JSON Schema of the on-call configuration to ${arg}.`);
  } else process.stdout.write(text);
} else if (command === "history") {
  const rows = query("SELECT version, sha256, created_at, created_by FROM oncall_configs ORDER BY version DESC LIMIT 50");
  if (rows.length === 0) console.log(`No on-call configuration in ${where} yet.`);
  for (const r of rows) console.log(`v${r.version}  ${r.created_at}  ${r.created_by}  ${r.sha256.slice(0, 12)}`);
} else {
  fail(usage, 2);
}
