// Reaching the Worker's staff API from a command-line tool: the running local server (npm
// start), a deployed one (--url), or, when nothing answers locally, a temporary `wrangler dev`
// on the same local state, started for the one command and stopped after it. The Worker is the
// one place that knows its own secrets and bindings, so tools ask it instead of guessing.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { join } from "node:path";
import { quietEnv } from "./env.mjs";
import { applyMigrations, root, stateDir } from "./wrangler.mjs";

export function parseEnvFile(text) {
  const out = {};
  for (const line of text.split("\n")) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) out[m[1]] = m[2].replace(/^"(.*)"$/, "$1");
  }
  return out;
}

/** Local secrets: .dev.vars overridden by the process environment (as `npm start` does). */
export function localSecrets() {
  const names = parseEnvFile(readFileSync(join(root, ".dev.vars.example"), "utf8"));
  const path = join(root, ".dev.vars");
  const devVars = existsSync(path) ? parseEnvFile(readFileSync(path, "utf8")) : {};
  return Object.fromEntries(Object.keys(names).map((n) => [n, process.env[n] || devVars[n] || ""]));
}

async function answers(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1500) });
    return res.ok;
  } catch {
    return false;
  }
}

function listening(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.setTimeout(1000);
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("timeout", () => (socket.destroy(), resolve(false)));
    socket.once("error", () => resolve(false));
  });
}

/** A server on `port` that answers /healthz, waiting while it is busy or reloading. */
async function localWorkerAnswers(port) {
  if (!(await listening(port))) return false;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (await answers(`http://127.0.0.1:${port}/healthz`)) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startTemporaryWorker(secrets) {
  applyMigrations();
  mkdirSync(join(root, "dist"), { recursive: true });
  const port = await freePort();
  const envFile = join(root, ".wrangler", `tool-secrets-${port}.env`);
  mkdirSync(join(root, ".wrangler"), { recursive: true });
  writeFileSync(envFile, Object.entries(secrets).map(([k, v]) => `${k}=${v}`).join("\n") + "\n", { mode: 0o600 });
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(
    "wrangler",
    ["dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", stateDir(), "--env-file", envFile, "--var", `PUBLIC_URL:${base}`, "--show-interactive-dev-session=false", "--log-level", "error"],
    { cwd: root, stdio: ["ignore", "ignore", "inherit"], env: quietEnv(), detached: true },
  );
  const stop = () => {
    rmSync(envFile, { force: true });
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // already gone
    }
  };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`);
    if (await answers(`${base}/healthz`)) return { base, stop };
    await new Promise((r) => setTimeout(r, 250));
  }
  stop();
  throw new Error("the temporary Worker did not start within 60 s");
}

/**
 * Runs `fn({ base, token })` against the Worker. With `url`, that Worker (token from --token or
 * STAFF_TOKEN). Without, the local one on PORT (default 8787), or a temporary one when that is
 * not running.
 */
export async function withWorker({ url, token }, fn) {
  if (url) {
    const staffToken = token || process.env.STAFF_TOKEN;
    if (!staffToken) throw new Error("Give a staff token for that Worker with --token or the STAFF_TOKEN environment variable.");
    return fn({ base: url.replace(/\/+$/, ""), token: staffToken });
  }
  const secrets = localSecrets();
  const port = Number(process.env.PORT || 8787);
  const local = `http://127.0.0.1:${port}`;
  const staffToken = token || secrets.STAFF_TOKEN;
  if (await localWorkerAnswers(port)) {
    if (!staffToken) throw new Error(`No staff token for ${local}: set STAFF_TOKEN in .dev.vars or the environment, or pass --token.`);
    return fn({ base: local, token: staffToken });
  }
  const temporary = { ...secrets, STAFF_TOKEN: staffToken || `oob_tool_${randomBytes(18).toString("base64url")}` };
  console.error(`(no Worker answers on ${local}: starting a temporary one on the local state)`);
  const worker = await startTemporaryWorker(temporary);
  try {
    return await fn({ base: worker.base, token: temporary.STAFF_TOKEN });
  } finally {
    worker.stop();
  }
}

/** A staff API call; throws with the API's own error message on failure. */
export async function staffApi({ base, token }, method, path, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: reported below
  }
  if (!res.ok) {
    const message = json?.error?.message ?? text.slice(0, 300);
    throw new Error(`${method} ${path}: ${res.status} ${message}`);
  }
  return json;
}
