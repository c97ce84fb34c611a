// `npm run phone -- call <number> [--say "text"] [--from +316...] [--silent] [--hang-up]`
// `npm run phone -- sms <number> "text" [--from +316...]`
// Drives the local hotline exactly as Twilio would: the same webhooks, parameters and
// X-Twilio-Signature (signed with the local TWILIO_AUTH_TOKEN), in Twilio's order. A call is the
// voice webhook, then (as the caller speaks) the <Record> action, the recording callback with a
// RecordingUrl that the local Twilio stand-in of `npm start` serves as a real WAV (spoken by
// espeak-ng when it is installed, else a tone as long as the words), the call's end, and the
// transcription callback with the --say text. Then it prints the report it made and where the
// page went. `--url` reaches another server; PORT picks the local one (default 8787).
import "./lib/ts.mjs";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { XMLParser } from "fast-xml-parser";
import { localTwilioInfoPath } from "./lib/local-twilio.mjs";
import { localSecrets } from "./lib/worker.mjs";
import { root } from "./lib/wrangler.mjs";

// The Worker's own signing and the Twilio fake's WAV writer (TypeScript, loaded after ts.mjs).
const { twilioSignature } = await import("../functions/alerts/twilio-signature.ts");
const { wavTone } = await import("../functions/channels/twilio/fake-api.ts");

const usage = `usage:
  npm run phone -- call <number> [--say "what the caller says"] [--from +31612345678] [--silent | --hang-up]
  npm run phone -- sms <number> "the message" [--from +31687654321]
  (--silent: stays silent after the tone; --hang-up: hangs up during the greeting)`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    say: { type: "string" },
    from: { type: "string" },
    silent: { type: "boolean", default: false },
    "hang-up": { type: "boolean", default: false },
    url: { type: "string" },
  },
});
const [command, number, text] = positionals;
if (!["call", "sms"].includes(command ?? "") || !/^\+[1-9]\d{6,14}$/.test(number ?? "") || (command === "sms" && !text)) {
  console.error(usage);
  process.exit(2);
}

const port = Number(process.env.PORT || 8787);
const base = (values.url ?? `http://127.0.0.1:${port}`).replace(/\/+$/, "");
const secrets = localSecrets();
const accountSid = secrets.TWILIO_ACCOUNT_SID;
const authToken = secrets.TWILIO_AUTH_TOKEN;
if (!accountSid || !authToken) {
  console.error("phone: TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are empty in .dev.vars. Run `npm start` once: it sets demo values for the local Twilio stand-in.");
  process.exit(1);
}
const hotline = /phone:\s*"([^"]*)"/.exec(readFileSync(join(root, "site.config.ts"), "utf8"))?.[1]?.replace(/[^\d+]/g, "") ?? "";
if (number !== hotline) console.warn(`phone: ${number} is not the hotline of site.config.ts (${hotline}); sending to this Worker's webhooks anyway.`);

const sid = (prefix) => `${prefix}${randomBytes(16).toString("hex")}`;
// Two demo customers: later messages from a number join its open report, so the first SMS of
// the demo would otherwise join the demo call's voicemail.
const from = values.from ?? (command === "sms" ? "+31687654321" : "+31612345678");

/** A webhook as Twilio sends it: form-encoded, X-Twilio-Signature over the URL and the params. */
async function twilio(url, params) {
  const full = url.startsWith("http") ? url : `${base}${url}`;
  const signature = await twilioSignature(authToken, full, Object.entries(params));
  let res;
  try {
    res = await fetch(full, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature }, body: new URLSearchParams(params) });
  } catch {
    console.error(`phone: nothing answers at ${base}. Start the server first: npm start`);
    process.exit(1);
  }
  const body = await res.text();
  if (!res.ok) {
    console.error(`phone: ${new URL(full).pathname} answered ${res.status}: ${body}`);
    process.exit(1);
  }
  return body;
}

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "", isArray: (name) => name === "Say" });
const twimlOf = (body) => (body.trim() ? (xml.parse(body).Response ?? {}) : {});

async function newestReport(channel) {
  if (!secrets.STAFF_TOKEN) return null;
  try {
    const res = await fetch(`${base}/api/admin/reports?channel=${channel}&limit=1`, { headers: { authorization: `Bearer ${secrets.STAFF_TOKEN}` } });
    return res.ok ? (await res.json()).reports[0] ?? null : null;
  } catch {
    return null;
  }
}

/** What the caller "says": espeak-ng's WAV when it is installed, else a tone as long as the words. */
function recordingOf(words) {
  const probe = spawnSync("espeak-ng", ["--version"], { encoding: "utf8" });
  if (probe.status === 0 && words) {
    const dir = mkdtempSync(join(tmpdir(), "oob-phone-"));
    try {
      const file = join(dir, "message.wav");
      const spoken = spawnSync("espeak-ng", ["-v", "en", "-s", "150", "-w", file, words], { encoding: "utf8" });
      if (spoken.status === 0 && existsSync(file)) {
        const bytes = new Uint8Array(readFileSync(file));
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        const seconds = Math.max(1, Math.round((bytes.byteLength - 44) / view.getUint32(28, true)));
        return { bytes, seconds, how: "spoken by espeak-ng" };
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const seconds = Math.max(2, Math.min(119, Math.round((words ?? "").split(/\s+/).filter(Boolean).length / 2.5) || 5));
  return { bytes: wavTone(seconds), seconds, how: "a tone (install espeak-ng for speech)" };
}

if (command === "sms") {
  const messageSid = sid("SM");
  const reply = twimlOf(
    await twilio("/hooks/twilio/sms", {
      ToCountry: "NL",
      SmsMessageSid: messageSid,
      NumMedia: "0",
      SmsSid: messageSid,
      SmsStatus: "received",
      Body: text,
      To: number,
      NumSegments: String(Math.max(1, Math.ceil(text.length / 153))),
      MessageSid: messageSid,
      AccountSid: accountSid,
      From: from,
      ApiVersion: "2010-04-01",
    }),
  );
  console.log(`SMS ${messageSid} from ${from} to ${number}: "${text}"`);
  console.log(
    reply.Message
      ? `Answer to the sender: ${reply.Message}`
      : "No answer to the sender: it joined the open report from this number, or it was a keyword (STOP, START) or from an opted-out number.",
  );
} else {
  const callSid = sid("CA");
  const call = { AccountSid: accountSid, ApiVersion: "2010-04-01", CallSid: callSid, Called: number, Caller: from, Direction: "inbound", From: from, To: number };
  const answer = twimlOf(await twilio("/hooks/twilio/voice", { ...call, CallStatus: "ringing" }));
  console.log(`Call ${callSid} from ${from} to ${number}. The hotline says:`);
  for (const line of answer.Say ?? []) console.log(`  "${line}"`);
  const record = answer.Record;
  if (!record) {
    console.error("phone: the answer has no <Record>; nothing more to do.");
    process.exit(1);
  }
  const ended = (seconds) => twilio("/hooks/twilio/call-status", { ...call, CallStatus: "completed", CallDuration: String(seconds), Timestamp: new Date().toUTCString() });

  if (values["hang-up"]) {
    await ended(6);
    console.log("The caller hung up during the greeting. The sweep files it as a missed call within about a minute (npm start ticks the cron every minute).");
  } else {
    const recordingSid = sid("RE");
    const silent = values.silent;
    const audio = silent ? { bytes: wavTone(1), seconds: 0, how: "silence" } : recordingOf(values.say);
    const info = localTwilioInfoPath(root, port);
    if (!silent) {
      if (!existsSync(info)) {
        console.error(`phone: no local Twilio stand-in for port ${port} (${info}). Start the server with npm start (OOB_LOCAL_TWILIO not 0).`);
        process.exit(1);
      }
      const { url } = JSON.parse(readFileSync(info, "utf8"));
      await fetch(`${url}/__local/recordings/${recordingSid}`, { method: "POST", body: audio.bytes });
    }
    const recordingUrl = `https://api.twilio.com/2010-04-01/Accounts/${accountSid}/Recordings/${recordingSid}`;
    console.log(silent ? "The caller stays silent after the tone, then hangs up." : `After the tone the caller speaks for ${audio.seconds} s (${audio.how})${values.say ? `: "${values.say}"` : ""}.`);
    const bye = twimlOf(
      await twilio(record.action, { ...call, CallStatus: "completed", RecordingSid: recordingSid, RecordingUrl: recordingUrl, RecordingDuration: String(audio.seconds), Digits: "hangup" }),
    );
    for (const line of bye.Say ?? []) console.log(`  "${line}"`);
    await twilio(record.recordingStatusCallback, {
      AccountSid: accountSid,
      CallSid: callSid,
      RecordingSid: recordingSid,
      RecordingUrl: recordingUrl,
      RecordingStatus: silent ? "absent" : "completed",
      RecordingDuration: String(audio.seconds),
      RecordingChannels: "1",
      RecordingStartTime: new Date().toUTCString(),
      RecordingSource: "RecordVerb",
      ...(silent ? { ErrorCode: "16102" } : {}),
    });
    await ended(audio.seconds + 20);
    if (!silent && values.say && record.transcribeCallback) {
      const transcriptionSid = sid("TR");
      await twilio(record.transcribeCallback, {
        AccountSid: accountSid,
        CallSid: callSid,
        From: from,
        To: number,
        RecordingSid: recordingSid,
        RecordingUrl: recordingUrl,
        TranscriptionSid: transcriptionSid,
        TranscriptionStatus: "completed",
        TranscriptionText: values.say,
        TranscriptionType: "fast",
        TranscriptionUrl: `${recordingUrl}/Transcriptions/${transcriptionSid}`,
      });
      console.log("Twilio's transcription followed.");
    }
  }
}

const report = values["hang-up"] ? null : await newestReport(command === "sms" ? "sms" : "phone");
if (report) console.log(`\nNewest ${report.channel} report: ${report.reference} "${report.subject}" (${report.state}). Staff view: ${base}/api/admin/reports/${report.reference}`);
console.log(`The page: the local mail in .wrangler/tmp/email and the local ntfy in .wrangler/tmp/ntfy-${port} (npm start's stand-ins).`);
