// `npm start`: the whole product on this machine, offline. Builds the site, applies the D1
// migrations, seeds demo data into an empty database, makes sure local secrets exist, then
// runs the Worker under `wrangler dev` on 127.0.0.1:${PORT:-8787} and prints where things are.
//
// Environment: PORT; OOB_STATE_DIR (where local D1/queues live, default .wrangler/state);
// OOB_SKIP_BUILD=1 to reuse dist/; OOB_NO_CRON=1 to stop the local once-a-minute cron tick;
// OOB_LOCAL_MIRROR=0 (or MIRROR_S3_URL set) to run without the local mirror stand-in;
// STAFF_TOKEN and the other secrets override .dev.vars; DIGEST_WINDOW_MINUTES,
// PAGES_PER_PERSON_PER_HOUR and CONFIRMATIONS_PER_* override wrangler.toml's [vars].
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { quietEnv } from "./lib/env.mjs";
import { localSecrets, parseEnvFile } from "./lib/worker.mjs";
import { applyMigrations, root, stateDir } from "./lib/wrangler.mjs";
import { startLocalNtfy } from "./lib/local-ntfy.mjs";
import { startLocalS3 } from "./lib/local-s3.mjs";
import { seedIfEmpty } from "./seed/index.mjs";

const port = Number(process.env.PORT || 8787);
const base = `http://127.0.0.1:${port}`;
const step = (text) => console.log(`\u2022 ${text}`);

if (process.env.OOB_SKIP_BUILD !== "1") {
  step("building the site");
  const built = spawnSync("node", ["scripts/build-site.mjs"], { cwd: root, stdio: "inherit", env: quietEnv() });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

// Secrets: .dev.vars (created from .dev.vars.example on first start), overridden by the
// process environment. Generated values are written back so the token stays the same.
const secretNames = Object.keys(parseEnvFile(readFileSync(join(root, ".dev.vars.example"), "utf8")));
const devVarsPath = join(root, ".dev.vars");
const devVars = parseEnvFile(existsSync(devVarsPath) ? readFileSync(devVarsPath, "utf8") : "");
let generatedToken = false;
for (const name of ["STAFF_TOKEN", "HASH_SALT", "ACK_SIGNING_KEY"]) {
  if (!devVars[name] && !process.env[name]) {
    devVars[name] = name === "STAFF_TOKEN" ? `oob_local_${randomBytes(18).toString("base64url")}` : randomBytes(32).toString("base64url");
    if (name === "STAFF_TOKEN") generatedToken = true;
  }
}
writeFileSync(devVarsPath, secretNames.map((n) => `${n}=${devVars[n] ?? ""}`).join("\n") + "\n", { mode: 0o600 });
const effective = localSecrets();

// The mirror's second provider, on this machine: an S3-compatible bucket with website hosting
// (scripts/lib/local-s3.mjs), files under .wrangler/tmp/mirror-PORT/, which the Worker publishes
// to on every staff change. Unless OOB_LOCAL_MIRROR=0 or MIRROR_S3_URL names a real bucket.
const mirrorVars = [];
let localMirror = null;
if (process.env.OOB_LOCAL_MIRROR !== "0" && !process.env.MIRROR_S3_URL) {
  localMirror = await startLocalMirror(join(root, ".wrangler", "tmp", `mirror-${port}`));
  mirrorVars.push("--var", `MIRROR_S3_URL:${localMirror.bucketUrl}`, "--var", `MIRROR_S3_REGION:${localMirror.region}`, "--var", `MIRROR_URL:${localMirror.websiteUrl}`);
  effective.MIRROR_S3_ACCESS_KEY_ID = localMirror.accessKeyId;
  effective.MIRROR_S3_SECRET_ACCESS_KEY = localMirror.secretAccessKey;
} else if (process.env.MIRROR_S3_URL) {
  mirrorVars.push("--var", `MIRROR_S3_URL:${process.env.MIRROR_S3_URL}`);
  for (const name of ["MIRROR_S3_REGION", "MIRROR_URL"]) if (process.env[name]) mirrorVars.push("--var", `${name}:${process.env[name]}`);
}
mkdirSync(join(root, ".wrangler"), { recursive: true });
const envFile = join(root, ".wrangler", `dev-secrets-${port}.env`);
writeFileSync(envFile, Object.entries(effective).map(([k, v]) => `${k}=${v}`).join("\n") + "\n", { mode: 0o600 });

step(`applying D1 migrations (local state in ${stateDir()})`);
applyMigrations();
step(seedIfEmpty() ? "loaded demo data" : "database has data: demo data not loaded");

// ntfy pages go to a local stand-in (like mail, they stay on this machine) unless
// OOB_LOCAL_NTFY=0 or NTFY_SERVER is set explicitly.
const ntfyVars = [];
let localNtfyDir = null;
if (process.env.OOB_LOCAL_NTFY !== "0" && !process.env.NTFY_SERVER) {
  localNtfyDir = join(root, ".wrangler", "tmp", `ntfy-${port}`);
  const ntfy = await startLocalNtfy(localNtfyDir);
  ntfy.server.unref();
  ntfyVars.push("--var", `NTFY_SERVER:${ntfy.url}`);
} else if (process.env.NTFY_SERVER) {
  ntfyVars.push("--var", `NTFY_SERVER:${process.env.NTFY_SERVER}`);
}

// The paging and confirmation knobs of wrangler.toml [vars] can be set from the environment
// for one run (the benchmarks do), e.g. PAGES_PER_PERSON_PER_HOUR=1000 npm start.
const tunables = ["DIGEST_WINDOW_MINUTES", "PAGES_PER_PERSON_PER_HOUR", "CONFIRMATIONS_PER_ADDRESS_PER_HOUR", "CONFIRMATIONS_PER_CLIENT_PER_HOUR"];
const tunableVars = tunables.filter((name) => process.env[name]).flatMap((name) => ["--var", `${name}:${process.env[name]}`]);

step(`starting the Worker on ${base}`);
const dev = spawn(
  "wrangler",
  [
    "dev",
    "--ip", "127.0.0.1",
    "--port", String(port),
    "--persist-to", stateDir(),
    "--env-file", envFile,
    "--var", `PUBLIC_URL:${base}`,
    ...ntfyVars,
    ...mirrorVars,
    ...tunableVars,
    "--show-interactive-dev-session=false",
    "--log-level", process.env.OOB_LOG_LEVEL || "warn",
  ],
  { cwd: root, stdio: ["ignore", "inherit", "inherit"], env: quietEnv() },
);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code) => process.exit(code ?? 0));

const ready = await waitForHealth(`${base}/healthz`, 60_000);
if (!ready) {
  console.error(`The Worker did not answer ${base}/healthz within 60 s.`);
  dev.kill("SIGTERM");
  process.exit(1);
}
// Cloudflare fires the cron triggers in production; `wrangler dev` never does by itself.
// Tick every minute so maintenance windows, escalation and the outbox sweep run locally too.
if (process.env.OOB_NO_CRON !== "1") {
  setInterval(() => {
    fetch(`${base}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent("* * * * *")}`).catch((err) =>
      console.error(`local cron tick failed: ${err.message}`),
    );
  }, 60_000).unref();
}

// The first publish of the local mirror, so it is there before the first staff change.
if (localMirror) {
  fetch(`${base}/api/admin/mirror/publish`, { method: "POST", headers: { authorization: `Bearer ${effective.STAFF_TOKEN}` } })
    .then(async (res) => {
      if (!res.ok) console.error(`local mirror: the first publish failed: ${res.status} ${(await res.text()).slice(0, 300)}`);
    })
    .catch((err) => console.error(`local mirror: the first publish failed: ${err.message}`));
}

console.log(`
  Status page     ${base}/
  Urgent report   ${base}/report
  Status API      ${base}/api/v2/summary.json
  Staff API       ${base}/api/admin/   (README "Staff API"; the token below as a bearer token)
  Staff token     ${effective.STAFF_TOKEN}${generatedToken ? "   (generated, saved in .dev.vars)" : ""}
  Local mail      .wrangler/tmp/email (simulated: nothing leaves this machine)${localNtfyDir ? `\n  Local ntfy      ${localNtfyDir.slice(root.length)} (simulated)` : ""}${localMirror ? `\n  Local mirror    ${localMirror.websiteUrl}/   (a simulated S3 bucket in .wrangler/tmp/mirror-${port}; break glass: npm run hub -- mirror post "...")` : ""}

  Ready. Press Ctrl+C to stop.
`);

/**
 * The local mirror stand-in, on the ports and keys of the last run when they are free (so its
 * address, which every mirrored page names, stays the same), with its address and keys left in
 * target.json for `npm run hub -- mirror post|status`.
 */
async function startLocalMirror(dir) {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "target.json");
  const previous = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
  const keys = {
    accessKeyId: previous.accessKeyId || "local-mirror",
    secretAccessKey: previous.secretAccessKey || randomBytes(24).toString("base64url"),
    region: "local",
  };
  const ports = (url) => (url ? Number(new URL(url).port) : 0);
  let mirror;
  try {
    mirror = await startLocalS3({ dir, bucket: "mirror", ...keys, apiPort: ports(previous.bucketUrl), websitePort: ports(previous.websiteUrl) });
  } catch {
    mirror = await startLocalS3({ dir, bucket: "mirror", ...keys });
  }
  for (const server of mirror.servers) server.unref();
  const described = { bucketUrl: mirror.bucketUrl, websiteUrl: mirror.websiteUrl, region: mirror.region, accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey };
  writeFileSync(file, JSON.stringify(described, null, 2) + "\n", { mode: 0o600 });
  return described;
}

async function waitForHealth(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}
