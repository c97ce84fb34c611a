// Helpers for the hotline tests: Twilio's webhooks sent as Twilio sends them (form-encoded,
// signed with the auth token over the full URL and the sorted parameters), to the real Worker
// app with the alerts tests' env (captured queue, recording mail, providers at the loopback
// fake, where Twilio's recordings and numbers are served in their real shapes).
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { expect } from "vitest";
import { twilioSignature } from "../../functions/alerts/twilio-signature";
import { createApp } from "../../functions/app";
import { findReportByChannelMessageStatement, listMessages, rowToReport, type Report } from "../../functions/reports/queries";
import { testEnv } from "../alerts/helpers";

export const PUBLIC = "https://status.example-hosting.test";
export const ACCOUNT = "AC0123456789abcdef0123456789abcdef";
export const AUTH_TOKEN = "twilio-test-auth-token";
/** The hotline of site.config.ts (contacts.phone), as Twilio writes it. */
export const HOTLINE = "+31201234567";

const app = createApp();

export type PhoneTestEnv = ReturnType<typeof testEnv>;

/** The alerts tests' env (captured queue, recording mail, Twilio at the fake) with overrides. */
export function phoneEnv(overrides: Partial<Env> = {}): PhoneTestEnv {
  const t = testEnv();
  // Requests build their services from the env: lift the hourly page ceiling there too (pages
  // of earlier tests in the file would count towards it), unless a test sets its own.
  Object.assign(t.env, { PAGES_PER_PERSON_PER_HOUR: "1000000" }, overrides);
  return t;
}

/** A Twilio sid: the prefix and 32 hex digits. */
export function sid(prefix: "CA" | "RE" | "TR" | "SM" | "MM"): string {
  return `${prefix}${crypto.randomUUID().replaceAll("-", "")}`;
}

/** A Dutch mobile number of its own for each test (reporter keys and threads are per number). */
export function mobile(): string {
  return `+316${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
}

/** POSTs a webhook as Twilio does; `signature` null sends none, a string sends that one. */
export async function twilioPost(t: PhoneTestEnv, url: string, params: Record<string, string>, signature?: string | null): Promise<Response> {
  const full = url.startsWith("http") ? url : `${PUBLIC}${url}`;
  const sig = signature === undefined ? await twilioSignature(AUTH_TOKEN, full, Object.entries(params)) : signature;
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  if (sig) headers["x-twilio-signature"] = sig;
  return request(t, full, { method: "POST", headers, body: new URLSearchParams(params).toString() });
}

/**
 * A request to the Worker app with an execution context, whose deferred work (the fan-out run
 * inline after the answer: grouping, the first pages) is awaited before this resolves, so that
 * a test sees what a request caused, pages included.
 */
export async function request(t: PhoneTestEnv, url: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.request(url, init, t.env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "", parseAttributeValue: false, isArray: (name) => name === "Say" });

export interface ParsedTwiml {
  says: string[];
  record: Record<string, string> | null;
  redirect: string | null;
  hangup: boolean;
  message: string | null;
  raw: string;
}

/** Parses a TwiML answer as XML (it must be well-formed) into what the tests look at. */
export async function twimlOf(res: Response): Promise<ParsedTwiml> {
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/xml");
  const raw = await res.text();
  expect(XMLValidator.validate(raw)).toBe(true);
  const doc = parser.parse(raw) as { Response: Record<string, unknown> | "" };
  const r = (doc.Response || {}) as Record<string, unknown>;
  const redirect = r.Redirect as { "#text"?: string } | string | undefined;
  return {
    says: ((r.Say as unknown[]) ?? []).map(String),
    record: (r.Record as Record<string, string> | undefined) ?? null,
    redirect: redirect === undefined ? null : typeof redirect === "string" ? redirect : (redirect["#text"] ?? null),
    hangup: "Hangup" in r,
    message: r.Message === undefined ? null : String(r.Message),
    raw,
  };
}

/** An incoming call: the voice webhook, as Twilio posts it. */
export async function callHotline(t: PhoneTestEnv, from: string, callSid = sid("CA")) {
  const res = await twilioPost(t, "/hooks/twilio/voice", {
    AccountSid: ACCOUNT,
    ApiVersion: "2010-04-01",
    CallSid: callSid,
    CallStatus: "ringing",
    Called: HOTLINE,
    Caller: from,
    Direction: "inbound",
    From: from,
    To: HOTLINE,
  });
  const twiml = await twimlOf(res);
  return { callSid, from, twiml, record: twiml.record! };
}

export type AnsweredCall = Awaited<ReturnType<typeof callHotline>>;

/** Twilio's recording status callback to the URL the <Record> named. */
export function recordingCallback(t: PhoneTestEnv, call: AnsweredCall, r: { recordingSid?: string; seconds: number; status?: string }) {
  const recordingSid = r.recordingSid ?? sid("RE");
  const params = {
    AccountSid: ACCOUNT,
    CallSid: call.callSid,
    RecordingSid: recordingSid,
    RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT}/Recordings/${recordingSid}`,
    RecordingStatus: r.status ?? "completed",
    RecordingDuration: String(r.seconds),
    RecordingChannels: "1",
    RecordingStartTime: new Date().toUTCString(),
    RecordingSource: "RecordVerb",
  };
  return { recordingSid, params, send: () => twilioPost(t, call.record.recordingStatusCallback!, params) };
}

/** Twilio's transcription callback to the URL the <Record> named. */
export function transcriptionCallback(t: PhoneTestEnv, call: AnsweredCall, recordingSid: string, text: string, status = "completed") {
  const transcriptionSid = sid("TR");
  const params = {
    AccountSid: ACCOUNT,
    CallSid: call.callSid,
    From: call.from,
    To: HOTLINE,
    RecordingSid: recordingSid,
    RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT}/Recordings/${recordingSid}`,
    TranscriptionSid: transcriptionSid,
    TranscriptionStatus: status,
    TranscriptionText: text,
    TranscriptionType: "fast",
    TranscriptionUrl: `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT}/Recordings/${recordingSid}/Transcriptions/${transcriptionSid}`,
    url: call.record.transcribeCallback!,
  };
  const { url, ...body } = params;
  return { transcriptionSid, params: body, send: () => twilioPost(t, url, body) };
}

/** The number's call status callback when the call is over. */
export function callEnded(t: PhoneTestEnv, call: { callSid: string; from: string }, seconds: number, status = "completed") {
  return twilioPost(t, "/hooks/twilio/call-status", {
    AccountSid: ACCOUNT,
    CallSid: call.callSid,
    CallStatus: status,
    CallDuration: String(seconds),
    Direction: "inbound",
    From: call.from,
    To: HOTLINE,
    Timestamp: new Date().toUTCString(),
  });
}

/** An SMS to the hotline, as Twilio posts it. */
export function smsIn(t: PhoneTestEnv, from: string, body: string, extra: Record<string, string> = {}) {
  const messageSid = extra.MessageSid ?? sid("SM");
  const params = {
    ToCountry: "NL",
    SmsMessageSid: messageSid,
    NumMedia: "0",
    SmsSid: messageSid,
    SmsStatus: "received",
    Body: body,
    To: HOTLINE,
    NumSegments: "1",
    MessageSid: messageSid,
    AccountSid: ACCOUNT,
    From: from,
    ApiVersion: "2010-04-01",
    ...extra,
  };
  return { messageSid, params, send: () => twilioPost(t, "/hooks/twilio/sms", params) };
}

export async function reportOf(channel: "phone" | "sms", channelMessageId: string): Promise<Report | null> {
  return rowToReport(await findReportByChannelMessageStatement(env.DB, channel, channelMessageId).first());
}

export async function threadOf(reportId: string) {
  return listMessages(env.DB, reportId);
}

export { env };
