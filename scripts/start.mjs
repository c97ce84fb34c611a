// `npm start`: the whole product on this machine, offline. Builds the site, applies the D1
// migrations, seeds demo data into an empty database, makes sure local secrets exist, then
// runs the Worker under `wrangler dev` on 127.0.0.1:${PORT:-8787} and prints where things are.
//
// Environment: PORT; OOB_STATE_DIR (where local D1/queues live, default .wrangler/state);
// OOB_SKIP_BUILD=1 to reuse dist/; OOB_NO_CRON=1 to stop the local once-a-minute cron tick;
// OOB_LOCAL_TWILIO=0 (or an explicit TWILIO_API_BASE) to use Twilio instead of the stand-in;
// OOB_LOCAL_SOCIAL=0 to run without the local X, Mastodon and Bluesky stand-ins;
// OOB_LOCAL_MIRROR=0 (or MIRROR_S3_URL set) to run without the local mirror stand-in;
// STAFF_TOKEN and the other secrets override .dev.vars; DIGEST_WINDOW_MINUTES,
// PAGES_PER_PERSON_PER_HOUR and CONFIRMATIONS_PER_* override wrangler.toml's [vars].
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { quietEnv } from "./lib/env.mjs";
import { localSecrets, parseEnvFile } from "./lib/worker.mjs";
import { applyMigrations, d1, root, stateDir } from "./lib/wrangler.mjs";
import { inviteLink, inviteWhileNoPasskeySql } from "./lib/staff.mjs";
import { DEMO_ADMIN } from "./seed/staff.mjs";
import { startLocalNtfy } from "./lib/local-ntfy.mjs";
import { localTwilioInfoPath, startLocalTwilio } from "./lib/local-twilio.mjs";
import { LOCAL_X_USER_ID, checkCrc, startLocalSocial } from "./lib/local-social.mjs";
import { startLocalS3 } from "./lib/local-s3.mjs";
import { feedDemoHeartbeat, startLocalRoundTrip } from "./lib/demo-assurance.mjs";
import { seedIfEmpty } from "./seed/index.mjs";

const port = Number(process.env.PORT || 8787);
const base = `http://127.0.0.1:${port}`;
// The console at localhost: browsers refuse passkeys on an IP address (a passkey belongs to a
// host name), and http://localhost is a secure context, so Secure cookies work there too.
const consoleBase = `http://localhost:${port}`;
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
// The hotline works offline against the local Twilio stand-in (below): demo credentials when
// none are set, and the hotline of site.config.ts as the number (it sends the SMS pages too).
const useLocalTwilio = process.env.OOB_LOCAL_TWILIO !== "0" && !process.env.TWILIO_API_BASE;
if (useLocalTwilio) {
  if (!devVars.TWILIO_ACCOUNT_SID && !process.env.TWILIO_ACCOUNT_SID) devVars.TWILIO_ACCOUNT_SID = `AC${randomBytes(16).toString("hex")}`;
  if (!devVars.TWILIO_AUTH_TOKEN && !process.env.TWILIO_AUTH_TOKEN) devVars.TWILIO_AUTH_TOKEN = randomBytes(16).toString("hex");
  if (!devVars.TWILIO_FROM && !process.env.TWILIO_FROM) devVars.TWILIO_FROM = hotlineNumber();
}
writeFileSync(devVarsPath, secretNames.map((n) => `${n}=${devVars[n] ?? ""}`).join("\n") + "\n", { mode: 0o600 });
const effective = localSecrets();

// X, Mastodon and Bluesky: a network without credentials in .dev.vars talks to a local
// stand-in (scripts/lib/local-social.mjs) with demo credentials, unless OOB_LOCAL_SOCIAL=0.
const socialVars = [];
let localSocial = null;
if (process.env.OOB_LOCAL_SOCIAL !== "0") {
  const demo = {
    x: { needs: ["X_CONSUMER_KEY", "X_CONSUMER_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET"] },
    mastodon: { needs: ["MASTODON_ACCESS_TOKEN"] },
    bluesky: { needs: ["BLUESKY_APP_PASSWORD"] },
  };
  const standIn = Object.entries(demo).filter(([, d]) => d.needs.every((n) => !effective[n])).map(([name]) => name);
  if (standIn.length > 0) {
    const xSecret = standIn.includes("x") ? `local-${randomBytes(12).toString("base64url")}` : null;
    localSocial = await startLocalSocial({ worker: base, xSecret });
    localSocial.server.unref();
    localSocial.networks = standIn;
    localSocial.xSecret = xSecret;
    if (standIn.includes("x")) {
      // The bearer token lets the path canary ask the stand-in to CRC-check /hooks/x, as X would.
      Object.assign(effective, { X_CONSUMER_KEY: "local-demo-key", X_CONSUMER_SECRET: xSecret, X_ACCESS_TOKEN: `${LOCAL_X_USER_ID}-localdemo`, X_ACCESS_TOKEN_SECRET: "local-demo", X_BEARER_TOKEN: "local-demo-bearer" });
      socialVars.push("--var", `X_API_BASE:${localSocial.url}/x/local`);
    }
    if (standIn.includes("mastodon")) {
      effective.MASTODON_ACCESS_TOKEN = "local-demo";
      socialVars.push("--var", `MASTODON_URL:${localSocial.url}/mastodon/local`);
    }
    if (standIn.includes("bluesky")) {
      effective.BLUESKY_APP_PASSWORD = "local-demo";
      socialVars.push("--var", `BLUESKY_SERVICE:${localSocial.url}/bluesky/local`, "--var", "BLUESKY_HANDLE:status.example-hosting.test");
    }
    // Where `npm run x -- mention` finds them.
    mkdirSync(join(root, ".wrangler", "tmp"), { recursive: true });
    writeFileSync(join(root, ".wrangler", "tmp", `social-${port}.json`), JSON.stringify({ url: localSocial.url, worker: base, networks: standIn }) + "\n");
  }
}

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

// The demo admin's passkey invitation, while they have no passkey: a fresh one-time link each
// start (older links stop working), so the demo can be signed into with a passkey offline.
const invite = inviteWhileNoPasskeySql({ displayName: DEMO_ADMIN, createdBy: "npm start" });
const demoInvite = d1(invite.statements.join("\n")).some((row) => row.member_id) ? inviteLink(consoleBase, invite.token) : null;

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

// Twilio (the hotline's calls and SMS, the SMS and voice pages) goes to a local stand-in that
// answers as Twilio does and serves recordings to `npm run phone -- call`.
const twilioVars = [];
let localTwilioDir = null;
if (useLocalTwilio) {
  localTwilioDir = join(root, ".wrangler", "tmp", `twilio-${port}`);
  const twilio = await startLocalTwilio({ dir: localTwilioDir, publicUrl: base, infoPath: localTwilioInfoPath(root, port) });
  twilio.server.unref();
  twilioVars.push("--var", `TWILIO_API_BASE:${twilio.url}`);
} else if (process.env.TWILIO_API_BASE) {
  twilioVars.push("--var", `TWILIO_API_BASE:${process.env.TWILIO_API_BASE}`);
}

// The paging and confirmation knobs of wrangler.toml [vars] can be set from the environment
// for one run (the benchmarks do), e.g. PAGES_PER_PERSON_PER_HOUR=1000 npm start.
const tunables = ["DIGEST_WINDOW_MINUTES", "PAGES_PER_PERSON_PER_HOUR", "CONFIRMATIONS_PER_ADDRESS_PER_HOUR", "CONFIRMATIONS_PER_CLIENT_PER_HOUR", "METER_INVOCATIONS"];
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
    "--var", `CONSOLE_ORIGINS:${consoleBase}`,
    ...ntfyVars,
    ...twilioVars,
    ...socialVars,
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

// Assurance offline: the demo heartbeat fed once by the agent script, and Email Routing's
// round trip of the canary mail (scripts/lib/demo-assurance.mjs).
const canaryAddress = process.env.ASSURANCE_CANARY_MAIL ?? /^ASSURANCE_CANARY_MAIL = "([^"]*)"/m.exec(readFileSync(join(root, "wrangler.toml"), "utf8"))?.[1] ?? "";
startLocalRoundTrip({ base, canaryAddress });
const demoAgent = await feedDemoHeartbeat({ base, token: effective.STAFF_TOKEN, root, tmpDir: join(root, ".wrangler", "tmp", `agent-${port}`) }).catch((err) => `demo heartbeat failed: ${err.message}`);

let crc = "";
if (localSocial?.xSecret) crc = (await checkCrc(base, localSocial.xSecret)) ? "   (CRC check of /hooks/x: ok)" : "   (CRC check of /hooks/x FAILED)";

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
  Console         ${consoleBase}/admin   (sign in with a passkey, or with the staff token below)${demoInvite ? `\n  Passkey invite  ${demoInvite}\n                  (one-time: creates a passkey for "${DEMO_ADMIN}"; a new link each start until one exists)` : ""}
  Staff API       ${base}/api/admin/   (README "Staff API"; the token below as a bearer token)
  Staff token     ${effective.STAFF_TOKEN}${generatedToken ? "   (generated, saved in .dev.vars)" : ""}
  Local mail      .wrangler/tmp/email (simulated: nothing leaves this machine)
  Assurance       ${base}/api/admin/assurance   (the path canary runs at the first cron tick, then every ASSURANCE_CANARY_MINUTES)
                  ${demoAgent}
  Inbound mail    ${port === 8787 ? "" : `PORT=${port} `}npm run mail -- samples/mail/voicemail.eml   (urgent.eml, html-only.eml, staff-update.eml ...)${localNtfyDir ? `\n  Local ntfy      ${localNtfyDir.slice(root.length)} (simulated)` : ""}${
    localTwilioDir
      ? `\n  Hotline         ${hotlineNumber()} (simulated Twilio, SMS and calls sent in ${localTwilioDir.slice(root.length)})
                  npm run phone -- call ${hotlineNumber()} --say "all our sites are down"
                  npm run phone -- sms ${hotlineNumber()} "sites down"`
      : ""
  }${
    localSocial ? `\n  Local social    ${localSocial.url} (simulated ${localSocial.networks.join(", ")})${crc}\n                  try: npm run x -- mention "@ExampleHosting all my sites are down"` : ""
  }${localMirror ? `\n  Local mirror    ${localMirror.websiteUrl}/   (a simulated S3 bucket in .wrangler/tmp/mirror-${port}; break glass: npm run hub -- mirror post "...")` : ""}

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

/** The hotline of site.config.ts (contacts.phone) in E.164, as Twilio writes numbers. */
function hotlineNumber() {
  const text = readFileSync(join(root, "site.config.ts"), "utf8");
  const phone = /phone:\s*"([^"]*)"/.exec(text)?.[1] ?? "";
  return phone.replace(/[^\d+]/g, "");
}
