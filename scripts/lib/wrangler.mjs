// Runs wrangler quietly and offline. Local commands use the state folder given by
// OOB_STATE_DIR (default .wrangler/state, the same folder `wrangler dev` uses).
import { spawnSync } from "node:child_process";
import { quietEnv } from "./env.mjs";

export const root = new URL("../..", import.meta.url).pathname;

export function stateDir() {
  return process.env.OOB_STATE_DIR || ".wrangler/state";
}

/** Runs wrangler and returns its stdout; exits the process with wrangler's output on failure. */
export function wrangler(args, { capture = true, allowFailure = false } = {}) {
  const result = spawnSync("wrangler", args, {
    cwd: root,
    env: quietEnv(),
    encoding: "utf8",
    stdio: capture ? ["ignore", "pipe", "pipe"] : "inherit",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0 && !allowFailure) {
    if (capture) process.stderr.write(`${result.stdout ?? ""}${result.stderr ?? ""}`);
    console.error(`wrangler ${args.slice(0, 3).join(" ")} failed (exit ${result.status})`);
    process.exit(result.status ?? 1);
  }
  return { ok: result.status === 0, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
}

/** Executes SQL against D1, local (in the state folder) or remote, and returns the rows. */
export function d1(sqlOrFile, { remote = false, file = false } = {}) {
  const target = remote ? ["--remote"] : ["--local", "--persist-to", stateDir()];
  const args = ["d1", "execute", "DB", ...target, "--json", "--yes", file ? `--file=${sqlOrFile}` : `--command=${sqlOrFile}`];
  const { stdout } = wrangler(args);
  const parsed = JSON.parse(stdout.slice(stdout.indexOf("[")));
  return parsed.flatMap((r) => r.results ?? []);
}

export function applyMigrations({ remote = false } = {}) {
  const target = remote ? ["--remote"] : ["--local", "--persist-to", stateDir()];
  wrangler(["d1", "migrations", "apply", "DB", ...target]);
}

/** SQL string literal. */
export function sql(value) {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "number") return String(value);
  return `'${String(value).replaceAll("'", "''")}'`;
}
