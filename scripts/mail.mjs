// `npm run mail -- message.eml [--to urgent@...] [--from sender@...] [--keep-message-id]`:
// delivers a raw mail to the Worker that `npm start` runs, through wrangler's local Email
// Routing endpoint (POST /cdn-cgi/local/email), and prints what the Worker did with it:
// forwards, the auto-reply (with the report's reference) or the reason it was refused.
//
// The envelope comes from the mail unless given: --from defaults to the From header's
// address, --to to the first To address. A fresh Message-ID (and Date) is put in unless
// --keep-message-id, so sending a sample twice files two reports (the same Message-ID is one
// mail: delivered again, it changes nothing). PORT (default 8787) picks the server.
import { readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { localSecrets } from "./lib/worker.mjs";

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return null;
  const value = args[i + 1];
  args.splice(i, 2);
  return value ?? null;
};
const keepId = args.includes("--keep-message-id");
if (keepId) args.splice(args.indexOf("--keep-message-id"), 1);
const to = flag("to");
const from = flag("from");
const port = Number(flag("port") || process.env.PORT || 8787);
const file = args[0];
if (!file || args.length > 1) {
  console.error("Usage: npm run mail -- message.eml [--to urgent@...] [--from sender@...] [--port 8787] [--keep-message-id]");
  console.error("Samples: samples/mail/urgent.eml, voicemail.eml, html-only.eml, staff-update.eml, out-of-office.eml");
  process.exit(2);
}

let raw = readFileSync(file, "latin1");
const headerEnd = raw.search(/\r?\n\r?\n/);
let head = headerEnd < 0 ? raw : raw.slice(0, headerEnd);
const eol = head.includes("\r\n") ? "\r\n" : "\n";
const header = (name) => new RegExp(`^${name}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, "im").exec(head)?.[1]?.replace(/\r?\n[ \t]+/g, " ").trim() ?? null;
const address = (value) => (/<([^>]+)>/.exec(value ?? "")?.[1] ?? (value ?? "").split(",")[0] ?? "").trim();

let messageId = header("Message-ID");
if (!keepId) {
  const domain = address(header("From")).split("@")[1] || "local.test";
  const id = `<${randomUUID()}@${domain}>`;
  messageId = id;
  const date = new Date().toUTCString().replace("GMT", "+0000");
  head = /^Message-ID:/im.test(head) ? head.replace(/^Message-ID:.*$/im, `Message-ID: ${id}`) : `Message-ID: ${id}${eol}${head}`;
  head = /^Date:/im.test(head) ? head.replace(/^Date:.*$/im, `Date: ${date}`) : `${head}${eol}Date: ${date}`;
  raw = head + raw.slice(headerEnd);
}

const envelopeFrom = from ?? address(header("From"));
const envelopeTo = to ?? address(header("To"));
if (!envelopeFrom || !envelopeTo) {
  console.error("The mail has no From or To address: give --from and --to.");
  process.exit(2);
}

const url = `http://127.0.0.1:${port}/cdn-cgi/local/email?${new URLSearchParams({ from: envelopeFrom, to: envelopeTo, format: "json" })}`;
let res;
try {
  res = await fetch(url, { method: "POST", body: Buffer.from(raw, "latin1") });
} catch (err) {
  console.error(`Nothing answers on 127.0.0.1:${port} (${err.cause?.code ?? err.message}). Start the product first: npm start`);
  process.exit(1);
}
const text = await res.text();
let result;
try {
  result = JSON.parse(text);
} catch {
  console.error(`HTTP ${res.status}: ${text.slice(0, 2000)}`);
  process.exit(1);
}

console.log(`Delivered ${file} from ${envelopeFrom} to ${envelopeTo}: ${result.outcome}`);
if (result.rejectReason) console.log(`  Refused: ${result.rejectReason}`);
for (const f of result.forwards ?? []) console.log(`  Forwarded to ${f.recipient}`);
for (const r of result.replies ?? []) {
  const subject = /^Subject:\s*(.*)$/im.exec(r.raw ?? "")?.[1]?.trim() ?? "(no subject)";
  console.log(`  Auto-reply (message.reply) to ${envelopeFrom}: ${subject}`);
}
if (result.outcome === "exception") {
  console.log("  The handler threw: the sending server would retry later (see the server's log).");
  process.exitCode = 1;
}
// What it became, from the staff API (with the local staff token, as `npm start` has it).
const token = localSecrets().STAFF_TOKEN;
const found = token
  ? await fetch(`http://127.0.0.1:${port}/api/admin/inbound-emails?limit=50`, { headers: { authorization: `Bearer ${token}` } })
      .then((r) => (r.ok ? r.json() : null))
      .then((b) => b?.emails.find((e) => e.message_id === messageId) ?? null)
      .catch(() => null)
  : null;
if (found) {
  const d = found.detail ?? {};
  const what = found.kind === "report" ? `report ${d.reference}${d.voicemail ? " (voicemail)" : ""}${d.created === false ? ", already filed" : ""}` : found.kind ?? found.state;
  console.log(`  Became: ${what}${d.thread ? ` in ${d.thread}` : ""}${d.incident ? ` (incident ${d.incident})` : ""}`);
  if (d.auto_reply && !d.auto_reply.sent) console.log(`  No auto-reply: ${d.auto_reply.note}`);
  if (found.kind === "report") console.log(`  Report: curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:${port}/api/admin/reports/${d.reference}`);
}
console.log(`  All inbound mail: GET http://127.0.0.1:${port}/api/admin/inbound-emails; mail sent: http://127.0.0.1:${port}/cdn-cgi/local/explorer/api/local/email/sending`);
