// What the staff CLI's commands (scripts/hub/*.mjs) share: the options every command takes
// (--url, --token, --json), the staff API reached through withWorker (the local Worker, a
// temporary one, or --url), and plain output.
import { parseArgs } from "node:util";
import { staffApi, withWorker } from "./worker.mjs";

export const commonOptions = {
  url: { type: "string" },
  token: { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
};

export const commonUsage = `Options for every command:
  --url <https://status.example.com>  a deployed Worker (default: the local one, started if needed)
  --token <token>                     a staff token (default: STAFF_TOKEN, or .dev.vars locally)
  --json                              print the API's answer as JSON`;

/** Parses a command's arguments; a mistake is an error that names it (exit status 1). */
export function parse(args, options, usage) {
  try {
    return parseArgs({ args, options: { ...commonOptions, ...options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new Error(`${err.message}\n\n${usage}`);
  }
}

/** Runs `fn(call, base)` with `call(method, path, body)` on the staff API of the chosen Worker. */
export function withStaffApi(values, fn) {
  return withWorker({ url: values.url, token: values.token }, (worker) => fn((method, path, body) => staffApi(worker, method, path, body), worker.base));
}

export function print(values, json, text) {
  if (values.json) console.log(JSON.stringify(json, null, 2));
  else console.log(text);
}

/** A table of rows (arrays of strings), columns padded, the last one free. */
export function table(rows) {
  if (rows.length === 0) return "";
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? "").length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? String(cell ?? "") : String(cell ?? "").padEnd(widths[i]))).join("  ")).join("\n");
}

export function clip(text, max) {
  const s = String(text ?? "").replace(/\s+/g, " ");
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
