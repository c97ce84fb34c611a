// `npm test`: everything CI judges, in order, with one summary at the end.
//   1. build the site (the Worker serves it; the CSP hashes come from it)
//   2. checks: generated types are current; the site, the Worker, the tests type-check
//   3. Worker tests inside workerd against real D1 (vitest + @cloudflare/vitest-plugin)
//   4. end-to-end tests in Debian's Chromium against the server `npm start` runs
// Each step runs even if an earlier one failed (except after a failed build), so one run
// shows every problem.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { quietEnv } from "./lib/env.mjs";

const root = new URL("..", import.meta.url).pathname;
const results = join(root, "test-results");
mkdirSync(results, { recursive: true });

const steps = [];
function run(name, command, args, env = {}) {
  console.log(`\n=== ${name} ===`);
  const started = Date.now();
  const r = spawnSync(command, args, { cwd: root, stdio: "inherit", env: quietEnv(env) });
  const step = { name, ok: r.status === 0, seconds: (Date.now() - started) / 1000 };
  steps.push(step);
  return step.ok;
}

if (run("build", "node", ["scripts/build-site.mjs"])) {
  run("checks", "npm", ["run", "--silent", "check"]);
  run("worker tests (workerd, real D1)", "vitest", ["run", "--reporter=default", "--reporter=json", `--outputFile=${join(results, "vitest.json")}`]);
  run("agent script (shellcheck; fake df, postqueue, exim)", "npm", ["run", "--silent", "test:agent"]);
  run("end-to-end tests (Chromium)", "playwright", ["test", "--reporter=list,json"], {
    OOB_SKIP_BUILD: "1",
    PLAYWRIGHT_JSON_OUTPUT_NAME: join(results, "playwright.json"),
  });
}

let passed = 0;
let failed = 0;
let skipped = 0;
const vitestFile = join(results, "vitest.json");
if (existsSync(vitestFile)) {
  const v = JSON.parse(readFileSync(vitestFile, "utf8"));
  passed += v.numPassedTests;
  failed += v.numFailedTests;
  skipped += v.numPendingTests + (v.numTodoTests ?? 0);
}
const pwFile = join(results, "playwright.json");
if (existsSync(pwFile)) {
  const s = JSON.parse(readFileSync(pwFile, "utf8")).stats;
  passed += s.expected + (s.flaky ?? 0);
  failed += s.unexpected;
  skipped += s.skipped;
}
for (const step of steps) if (!step.ok && !step.name.includes("tests")) failed += 1;

console.log("\n=== summary ===");
for (const step of steps) console.log(`${step.ok ? "ok  " : "FAIL"}  ${step.name} (${step.seconds.toFixed(1)} s)`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(steps.every((s) => s.ok) ? 0 : 1);
