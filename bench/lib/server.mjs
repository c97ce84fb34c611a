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
  // Everything the server printed, for benchmarks that read the Worker's own log lines.
  const lines = [];
  let partial = "";
  child.stdout.on("data", (d) => {
    const text = partial + d;
    const parts = text.split("\n");
    partial = parts.pop();
    lines.push(...parts);
  });
  await new Promise((resolve, reject) => {
    // Only the newest lines can hold it; the listener goes once it is seen.
    let seen = 0;
    const ready = () => {
      const found = lines.slice(seen).some((l) => l.includes("Ready."));
      seen = lines.length;
      if (!found) return;
      child.stdout.off("data", ready);
      resolve();
    };
    child.stdout.on("data", ready);
    child.on("exit", (code) => reject(new Error(`server exited with ${code}:\n${lines.join("\n")}`)));
  });
  return {
    base,
    token: BENCH_STAFF_TOKEN,
    stateDir,
    /** The lines the server has printed so far. */
    output: () => lines,
    stop: () => {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
    },
  };
}
