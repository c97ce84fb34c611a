// Generates (or with --check verifies) worker-configuration.d.ts from wrangler.toml.
// Secrets are typed from .dev.vars.example, never from a developer's own .dev.vars, so the
// generated file is the same on every machine.
import { wrangler } from "./lib/wrangler.mjs";

const check = process.argv.includes("--check");
const { ok, stdout, stderr } = wrangler(
  ["types", "--strict-vars=false", "--env-file", ".dev.vars.example", ...(check ? ["--check"] : [])],
  { allowFailure: true },
);
if (!ok) {
  process.stderr.write(stdout + stderr);
  console.error(check ? "worker-configuration.d.ts is stale: run `npm run types` and commit it." : "wrangler types failed");
  process.exit(1);
}
console.log(check ? "worker-configuration.d.ts is up to date" : "worker-configuration.d.ts written");
