// Starts the product exactly as `npm start` does (wrangler dev, local D1), on its own port and
// with fresh local state, for a benchmark. Returns its base URL and staff token.
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { quietEnv } from "../../scripts/lib/env.mjs";

export const BENCH_STAFF_TOKEN = "bench-staff-token-0123456789abcdef";

export async function startServer({ port = Number(process.env.BENCH_PORT || 8795), build = false, vars = {} } = {}) {
  const stateDir = `.wrangler/bench-state-${port}`;
  rmSync(new URL(`../../${stateDir}`, import.meta.url), { recursive: true, force: true });
  const child = spawn("node", ["scripts/start.mjs"], {
    cwd: new URL("../..", import.meta.url).pathname,
    env: quietEnv({ PORT: String(port), OOB_STATE_DIR: stateDir, OOB_SKIP_BUILD: build ? "0" : "1", STAFF_TOKEN: BENCH_STAFF_TOKEN, OOB_LOG_LEVEL: "error", ...vars }),
    stdio: ["ignore", "pipe", "inherit"],
    detached: true,
  });
  const base = `http://127.0.0.1:${port}`;
  await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("Ready.")) resolve();
    });
    child.on("exit", (code) => reject(new Error(`server exited with ${code}:\n${out}`)));
  });
  return {
    base,
    token: BENCH_STAFF_TOKEN,
    stateDir,
    stop: () => {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
    },
  };
}
