// The hotline's webhooks, all signed by Twilio (X-Twilio-Signature, checked in constant time
// before anything is read) and set on the hotline number (README "Phone and SMS"):
//   POST /hooks/twilio/sms                     an SMS: on-call reply, keyword, or a report
//   POST /hooks/twilio/voice                   a call: greeting, live status, <Record>
//   POST /hooks/twilio/call-status             the call is over (the number's status callback)
// and, for a call this Worker answered (the path carries its token, see call-token.ts):
//   POST /hooks/twilio/voicemail/{token}       <Record> ended (thanks), or nothing was recorded
//   POST /hooks/twilio/recording/{token}       the recording is ready, or absent
//   POST /hooks/twilio/transcription/{token}   Twilio's transcription
import { Hono } from "hono";
import { requireTwilio, twiml } from "../alerts/twilio-hooks";
import { siteConfig } from "../../site.config";
import { parseWith } from "../platform/body";
import { ApiError } from "../platform/errors";
import type { AppEnv } from "../platform/types";
import { IntakeUnavailableError } from "../reports/intake";
import { verifyCallToken } from "./call-token";
import { answerCall, fileMissedCall, receiveRecording, recordCallStatus, recordTranscript } from "./calls";
import { receiveSms } from "./messages";
import { findCall, recordCall } from "./queries";
import { phoneSettings, type PhoneSettings } from "./settings";
import { nothingRecordedTwiml, thanksTwiml, xmlEscape } from "./twiml.pure";
import { CallbackQuery, CallCallback, CallStatusCallback, IncomingCall, IncomingSms, RecordingCallback, TranscriptionCallback } from "./twilio-params.pure";

/** A webhook signed with our auth token but for another account's call is not ours to take. */
function requireAccount(s: PhoneSettings, accountSid: string | undefined): void {
  if (accountSid !== undefined && s.accountSid && accountSid !== s.accountSid) {
    throw new ApiError("forbidden", "This webhook is for another Twilio account.");
  }
}

/** The caller and the token of a call's callback URL; 403 unless this Worker answered that call. */
async function requireAnsweredCall(s: PhoneSettings, token: string, callSid: string, url: string): Promise<{ from: string; empty: boolean }> {
  const query = parseWith(CallbackQuery, Object.fromEntries(new URL(url).searchParams));
  if (!(await verifyCallToken(s.tokenKey, token, callSid, query.from))) {
    throw new ApiError("forbidden", "This hotline did not answer that call: the callback's token does not match it.");
  }
  return { from: query.from, empty: query.empty === "1" };
}

function unavailable(err: IntakeUnavailableError): ApiError {
  return new ApiError("unavailable", `The report could not be stored; ${err.paged ? "on-call was paged by mail" : "paging by mail failed too"}.`, {
    headers: { "Retry-After": "60" },
  });
}

export const phoneRoutes = new Hono<AppEnv>()
  .post("/hooks/twilio/sms", async (c) => {
    const svc = c.get("services");
    const form = await requireTwilio(c.env, svc.config, c.req.raw);
    const sms = parseWith(IncomingSms, Object.fromEntries(form));
    requireAccount(phoneSettings(c.env, svc.config), sms.AccountSid);
    const reply = await receiveSms(svc, { sid: sms.MessageSid, from: sms.From, body: sms.Body, optOutType: sms.OptOutType ?? null, media: sms.NumMedia }, new Date());
    return twiml(reply ? `<Message>${xmlEscape(reply)}</Message>` : "");
  })
  .post("/hooks/twilio/voice", async (c) => {
    const svc = c.get("services");
    const form = await requireTwilio(c.env, svc.config, c.req.raw);
    const call = parseWith(IncomingCall, Object.fromEntries(form));
    const s = phoneSettings(c.env, svc.config);
    requireAccount(s, call.AccountSid);
    return twiml(await answerCall(svc, s, { callSid: call.CallSid, from: call.From, to: call.To }, new Date()));
  })
  .post("/hooks/twilio/voicemail/:token", async (c) => {
    const svc = c.get("services");
    const form = await requireTwilio(c.env, svc.config, c.req.raw);
    const p = parseWith(CallCallback, Object.fromEntries(form));
    const s = phoneSettings(c.env, svc.config);
    requireAccount(s, p.AccountSid);
    const { from, empty } = await requireAnsweredCall(s, c.req.param("token"), p.CallSid, c.req.url);
    if (!empty) return twiml(thanksTwiml(siteConfig.name));
    // Nothing was recorded and the caller is still on the line: the call is a missed call now.
    const now = new Date();
    try {
      await recordCall(svc.db, { callSid: p.CallSid, from, to: s.hotline ?? "" }, now.toISOString());
      const call = await findCall(svc.db, p.CallSid);
      if (call && !call.reportId) await fileMissedCall(svc, call, now);
    } catch (err) {
      // The caller hears the goodbye whatever happens; a stored call is filed by the sweep.
      console.error(`phone: the missed call ${p.CallSid} was not filed now`, err);
    }
    return twiml(nothingRecordedTwiml());
  })
  .post("/hooks/twilio/recording/:token", async (c) => {
    const svc = c.get("services");
    const form = await requireTwilio(c.env, svc.config, c.req.raw);
    const p = parseWith(RecordingCallback, Object.fromEntries(form));
    const s = phoneSettings(c.env, svc.config);
    requireAccount(s, p.AccountSid);
    const { from } = await requireAnsweredCall(s, c.req.param("token"), p.CallSid, c.req.url);
    if (!["completed", "absent", "failed"].includes(p.RecordingStatus)) return c.body(null, 204);
    try {
      await receiveRecording(svc, s, { callSid: p.CallSid, from, recordingSid: p.RecordingSid, status: p.RecordingStatus, seconds: p.RecordingDuration }, new Date());
    } catch (err) {
      if (err instanceof IntakeUnavailableError) throw unavailable(err);
      throw err;
    }
    return c.body(null, 204);
  })
  .post("/hooks/twilio/transcription/:token", async (c) => {
    const svc = c.get("services");
    const form = await requireTwilio(c.env, svc.config, c.req.raw);
    const p = parseWith(TranscriptionCallback, Object.fromEntries(form));
    const s = phoneSettings(c.env, svc.config);
    requireAccount(s, p.AccountSid);
    const { from } = await requireAnsweredCall(s, c.req.param("token"), p.CallSid, c.req.url);
    if (p.TranscriptionStatus === "in-progress") return c.body(null, 204);
    await recordTranscript(
      svc,
      s,
      { callSid: p.CallSid, from, provider: "twilio", id: p.TranscriptionSid, status: p.TranscriptionStatus, text: p.TranscriptionText || null },
      new Date(),
    );
    return c.body(null, 204);
  })
  .post("/hooks/twilio/call-status", async (c) => {
    const svc = c.get("services");
    const form = await requireTwilio(c.env, svc.config, c.req.raw);
    const p = parseWith(CallStatusCallback, Object.fromEntries(form));
    const s = phoneSettings(c.env, svc.config);
    requireAccount(s, p.AccountSid);
    if (!["completed", "busy", "failed", "no-answer", "canceled"].includes(p.CallStatus)) return c.body(null, 204);
    try {
      await recordCallStatus(svc, { callSid: p.CallSid, from: p.From, to: p.To, status: p.CallStatus, seconds: p.CallDuration ?? null }, new Date());
    } catch (err) {
      if (err instanceof IntakeUnavailableError) throw unavailable(err);
      throw err;
    }
    return c.body(null, 204);
  });
