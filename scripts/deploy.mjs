// `npm run deploy`: builds the site, checks that wrangler.toml is filled in for production,
// applies D1 migrations to the remote database, then deploys the Worker with its assets.
// `npm run deploy -- --dry-run` builds the bundle without deploying (prints its size).
// See README "Deployment to Cloudflare" for the one-time setup this expects.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { quietEnv } from "./lib/env.mjs";
import { applyMigrations, root, wrangler } from "./lib/wrangler.mjs";

const dryRun = process.argv.includes("--dry-run");

const built = spawnSync("node", ["scripts/build-site.mjs"], { cwd: root, stdio: "inherit", env: quietEnv() });
if (built.status !== 0) process.exit(built.status ?? 1);

if (dryRun) {
  wrangler(["deploy", "--dry-run", "--outdir", ".wrangler/dry-run", "--var", "ENVIRONMENT:production"], { capture: false });
  process.exit(0);
}

const toml = readFileSync(new URL("../wrangler.toml", import.meta.url), "utf8");
if (toml.includes('database_id = "00000000-0000-0000-0000-000000000000"')) {
  console.error("wrangler.toml still has the placeholder D1 database_id. Run `npx wrangler d1 create outofband` and paste its id (README: Deployment).");
  process.exit(1);
}
if (/PUBLIC_URL = "http:\/\/127\.0\.0\.1/.test(toml)) {
  console.error("Set PUBLIC_URL in wrangler.toml [vars] to the status site's public https address first.");
  process.exit(1);
}

applyMigrations({ remote: true });
wrangler(["deploy", "--var", "ENVIRONMENT:production"], { capture: false });
