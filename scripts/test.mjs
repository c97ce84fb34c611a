// `npm test`: everything CI judges, in order, with one summary at the end.
//   1. build the site (the Worker serves it; the CSP hashes come from it)
//   2. checks: generated types are current; the site, the Worker, the tests type-check
//   3. Worker tests inside workerd against real D1 (vitest + @cloudflare/vitest-plugin)
//   4. end-to-end tests in Debian's Chromium against the server `npm start` runs
// Each step runs even if an earlier one failed (except after a failed build), so one run
// shows every problem. Before any of them, Chromium must be there (see ensureChromium).
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { quietEnv } from "./lib/env.mjs";

const root = new URL("..", import.meta.url).pathname;

ensureChromium();

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

// The browser tests need a Chromium (playwright.config.ts: CHROMIUM_PATH, else Debian's
// /usr/bin/chromium; never `playwright install`, which downloads a browser). A fresh machine
// lacks it: as root with apt we install it (CI relies on this); otherwise we stop here, in
// one line, rather than after the build and the Worker tests with 30 browser failures.
function ensureChromium() {
  const explicit = process.env.CHROMIUM_PATH;
  const chromium = explicit || "/usr/bin/chromium";
  if (isExecutable(chromium)) return;
  const stop = (line) => {
    console.error(line);
    process.exit(1);
  };
  if (explicit) stop(`npm test: CHROMIUM_PATH=${explicit} is not an executable; point it at a Chromium binary, or unset it to use Debian's chromium (sudo apt-get install chromium).`);
  const aptGet = onPath("apt-get");
  if (!aptGet) stop("npm test: the browser tests need Chromium and this machine has no apt-get; install Chromium and set CHROMIUM_PATH=/path/to/chromium, then run npm test again.");
  if (process.getuid?.() !== 0) stop("npm test: the browser tests need Debian's chromium; run `sudo apt-get install chromium` (or set CHROMIUM_PATH=/path/to/chromium), then npm test again.");
  console.log("npm test: Debian's chromium is missing; installing it for the browser tests (apt-get update && apt-get install -y chromium)");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [["update", "-qq"], ["install", "-y", "-qq", "chromium"]]) {
    const r = spawnSync(aptGet, args, { env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (r.status !== 0) {
      process.stderr.write(`${r.stdout ?? ""}${r.stderr ?? ""}`.split("\n").slice(-15).join("\n"));
      stop(`npm test: \`apt-get ${args.join(" ")}\` failed (above); install Debian's chromium yourself or set CHROMIUM_PATH, then npm test again.`);
    }
  }
  if (!isExecutable(chromium)) stop(`npm test: apt-get installed chromium, but ${chromium} is still missing; set CHROMIUM_PATH to the Chromium binary.`);
}

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(command) {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && isExecutable(join(dir, command))) return join(dir, command);
  }
  return null;
}
