// `npm run hub -- mirror <post|status|export|publish>`: the static mirror from the command line.
//
// `post` and `status` talk to the mirror's storage directly with the mirror's own credentials,
// never to the Worker: they are for when Cloudflare itself is down. They import the Worker's
// TypeScript (Node 24 strips the types): the same S3 signing (aws4fetch) and GitHub calls, the
// same renderers of incident markup and Statuspage JSON, the same break-glass log format.
// `export` and `publish` ask the Worker (local or --url) through its staff API.
//
// Credentials, by the Worker's names: MIRROR_S3_URL, MIRROR_S3_REGION, MIRROR_S3_ACCESS_KEY_ID,
// MIRROR_S3_SECRET_ACCESS_KEY; MIRROR_GITHUB_REPO, MIRROR_GITHUB_BRANCH, MIRROR_GITHUB_TOKEN
// (MIRROR_GITHUB_API for a test server). From the environment, from --env-file FILE, or, with
// neither, from the local stand-in `npm start` runs for PORT (default 8787).
import "../lib/ts.mjs";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { staffApi, withWorker } from "../lib/worker.mjs";
import { root } from "../lib/wrangler.mjs";

const { mirrorSettings, targetsOf } = await import("../../functions/mirror/settings.ts");
const { postToMirror } = await import("../../functions/mirror/break-glass.ts");
const { parseBreakGlassLog } = await import("../../functions/mirror/break-glass.pure.ts");
const { parseManifest } = await import("../../functions/mirror/manifest.pure.ts");
const { BREAK_GLASS_KEY, MANIFEST_KEY } = await import("../../functions/mirror/paths.pure.ts");

export const summary = "the static mirror: break-glass post, status, export, publish";

export const usage = `Usage:
  npm run hub -- mirror post "Our edge provider is down; we are on it" [--title T]
        [--status investigating|identified|monitoring|resolved] [--impact none|minor|major|critical]
        [--new | --incident inc_bg...] [--env-file FILE]
      Posts an incident update straight to the mirror, without the Worker (break glass).
      The Worker imports it into the record on its next publish.
  npm run hub -- mirror status [--env-file FILE]
      When each target was last synced, and the break-glass posts it holds.
  npm run hub -- mirror export DIR [--layout files|object-store] [--url URL --token T]
      Writes the snapshot into DIR, for any static host (also: npm run mirror -- export DIR).
  npm run hub -- mirror publish [--url URL --token T]
      Asks the Worker to publish the mirror now.

The mirror's credentials use the Worker's names (MIRROR_S3_URL, MIRROR_S3_REGION,
MIRROR_S3_ACCESS_KEY_ID, MIRROR_S3_SECRET_ACCESS_KEY, MIRROR_GITHUB_REPO, MIRROR_GITHUB_BRANCH,
MIRROR_GITHUB_TOKEN), from the environment or --env-file; without them, the local mirror of
\`npm start\` on PORT (default 8787).`;

/** Where `npm start` leaves the local stand-in's address and keys for these commands. */
export function localMirrorFile(port = process.env.PORT || "8787") {
  return join(root, ".wrangler", "tmp", `mirror-${port}`, "target.json");
}

function mirrorVars(envFile) {
  if (envFile) {
    if (!existsSync(envFile)) throw new Error(`${envFile} does not exist.`);
    process.loadEnvFile(envFile);
  }
  if (process.env.MIRROR_S3_URL || process.env.MIRROR_GITHUB_REPO) return { source: envFile ?? "the environment", vars: process.env };
  const local = localMirrorFile();
  if (existsSync(local)) {
    const stand = JSON.parse(readFileSync(local, "utf8"));
    return {
      source: `the local mirror of npm start (${stand.websiteUrl})`,
      vars: { ...process.env, MIRROR_S3_URL: stand.bucketUrl, MIRROR_S3_REGION: stand.region, MIRROR_S3_ACCESS_KEY_ID: stand.accessKeyId, MIRROR_S3_SECRET_ACCESS_KEY: stand.secretAccessKey, MIRROR_URL: stand.websiteUrl },
    };
  }
  throw new Error("No mirror credentials: set MIRROR_S3_URL (and its keys) or MIRROR_GITHUB_REPO (and its token), or pass --env-file FILE. See README \"The mirror\".");
}

async function post(args) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      title: { type: "string" },
      status: { type: "string" },
      impact: { type: "string" },
      new: { type: "boolean", default: false },
      incident: { type: "string" },
      "env-file": { type: "string" },
    },
  });
  const text = positionals.join(" ").trim();
  if (!text) throw new Error(`Write the update: npm run hub -- mirror post "Our edge provider is down; we are on it"`);
  const { source, vars } = mirrorVars(values["env-file"]);
  const targets = targetsOf(mirrorSettings(vars));
  console.log(`Posting to the mirror (credentials from ${source}).`);
  const now = new Date();
  let failed = 0;
  for (const target of targets) {
    const started = Date.now();
    try {
      const result = await postToMirror(target, { text, title: values.title, status: values.status, impact: values.impact, newIncident: values.new, incident: values.incident }, now);
      console.log(`  ${target.description}: posted ${result.updateId} to incident ${result.incidentId} (${result.written.length} files, ${Date.now() - started} ms)`);
    } catch (err) {
      failed++;
      console.error(`  ${target.description}: FAILED: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (failed === targets.length) throw new Error("the post reached no target");
  console.log("The Worker imports the post into the record on its next publish.");
}

async function status(args) {
  const { values } = parseArgs({ args, options: { "env-file": { type: "string" } } });
  const { source, vars } = mirrorVars(values["env-file"]);
  const settings = mirrorSettings(vars);
  console.log(`Mirror ${settings.mirrorUrl || "(no public address)"} (credentials from ${source})`);
  for (const target of targetsOf(settings)) {
    try {
      const manifest = parseManifest(new TextDecoder().decode((await target.read(MANIFEST_KEY)) ?? new Uint8Array()) || null);
      const bytes = await target.read(BREAK_GLASS_KEY);
      const { log } = parseBreakGlassLog(bytes ? new TextDecoder().decode(bytes) : null);
      if (!manifest) console.log(`  ${target.description}: never published`);
      else {
        const ageMin = Math.round((Date.now() - Date.parse(manifest.syncedAt)) / 60_000);
        console.log(`  ${target.description}: synced ${manifest.syncedAt} (${ageMin} min ago), status version ${manifest.version}, ${Object.keys(manifest.files).length} files`);
      }
      for (const e of log.entries.slice(-10)) console.log(`    break glass ${e.at} ${e.incident} ${e.status}: ${e.body.slice(0, 80)}`);
    } catch (err) {
      console.error(`  ${target.description}: unreadable: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

async function exportSnapshot(args) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { url: { type: "string" }, token: { type: "string" }, layout: { type: "string", default: "files" } },
  });
  const dir = resolve(positionals[0] ?? "");
  if (!positionals[0]) throw new Error("Name the folder: npm run mirror -- export out/");
  const started = Date.now();
  const snapshot = await withWorker(values, (api) => staffApi(api, "GET", `/api/admin/mirror/snapshot?layout=${encodeURIComponent(values.layout)}`));
  let bytes = 0;
  for (const file of snapshot.files) {
    const path = join(dir, file.key);
    if (!path.startsWith(`${dir}/`)) throw new Error(`refusing to write outside ${dir}: ${file.key}`);
    mkdirSync(dirname(path), { recursive: true });
    const body = Buffer.from(file.base64, "base64");
    writeFileSync(path, body);
    bytes += body.length;
  }
  console.log(`Wrote ${snapshot.files.length} files (${(bytes / 1024).toFixed(1)} KiB, ${snapshot.layout} layout) into ${dir}: status version ${snapshot.version}, rendered ${snapshot.synced_at}, ${Date.now() - started} ms.`);
}

async function publish(args) {
  const { values } = parseArgs({ args, options: { url: { type: "string" }, token: { type: "string" } } });
  const run = await withWorker(values, (api) => staffApi(api, "POST", "/api/admin/mirror/publish"));
  console.log(`Status version ${run.version}: ${run.snapshot ? `${run.snapshot.files} files, ${(run.snapshot.bytes / 1024).toFixed(1)} KiB rendered in ${run.snapshot.ms} ms` : "nothing rendered"}.`);
  for (const r of run.results) console.log(`  ${r.target}: ${r.ok ? `${r.uploaded.length} uploaded, ${r.removed.length} removed, ${r.ms} ms` : `FAILED: ${r.error}`}`);
  if (run.results.some((r) => !r.ok)) throw new Error("a target failed");
}

export async function run(args) {
  const [sub, ...rest] = args;
  if (sub === "post") return post(rest);
  if (sub === "status") return status(rest);
  if (sub === "export") return exportSnapshot(rest);
  if (sub === "publish") return publish(rest);
  console.error(usage);
  process.exit(2);
}
