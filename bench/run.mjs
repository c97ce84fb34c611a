// `npm run bench`: performance figures, printed, never asserted as timed tests.
// Starts the product under local `wrangler dev` (as `npm start` does) and runs each
// benchmark in `benchmarks` against it. `npm run bench -- NAME` runs one.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { quietEnv } from "../scripts/lib/env.mjs";
import { startServer } from "./lib/server.mjs";

/**
 * Each module exports `name` and `run({ base, token, stateDir, output }) => Promise<Record<string, unknown>>`,
 * and may export `vars` (environment for `npm start`) and `onlyWhenNamed` (a long benchmark that
 * runs only as `npm run bench -- NAME`, never in the default run).
 */
const benchmarks = [];
for (const file of ["./status.mjs", "./intake.mjs", "./fanout.mjs", "./email.mjs", "./inbox.mjs", "./subscribers.mjs", "./mirror.mjs"]) {
  if (existsSync(new URL(file, import.meta.url))) benchmarks.push(await import(file));
}

const only = process.argv[2];
const selected = benchmarks.filter((b) => (only ? b.name === only : !b.onlyWhenNamed));
if (selected.length === 0) {
  console.error(only ? `No benchmark named ${only}.` : "No benchmarks found.");
  process.exit(1);
}

const built = spawnSync("node", ["scripts/build-site.mjs"], { stdio: "inherit", env: quietEnv() });
if (built.status !== 0) process.exit(1);

const figures = {};
for (const bench of selected) {
  // A fresh server (and database) per benchmark, so one does not skew the next.
  const server = await startServer({ vars: bench.vars ?? {} });
  try {
    console.log(`\n=== ${bench.name} ===`);
    figures[bench.name] = await bench.run(server);
  } finally {
    server.stop();
    await new Promise((r) => setTimeout(r, 1000));
  }
}
console.log("\n=== figures ===");
console.log(JSON.stringify(figures, null, 2));
