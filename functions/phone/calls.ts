// The voice hotline: answer every call, speak the live status, record a message, and turn what
// happened into a report on channel "phone": a voicemail (the recording copied into R2, a
// signed link first in the report's text) or, when the caller hung up without a message, a
// missed call. A missed urgent call is information.
//
// One report per call: each carries channelMessageId "call:<CallSid>", so Twilio's retries, a
// recording that comes after the sweep filed a missed call, and the sweep itself never make a
// second one. A call's state lives in phone_calls; whatever an invocation could not finish
// (storage or Twilio down half-way) the cron sweep (cron.ts) finishes.
import { normalizeText } from "../../contract/reports";
import { siteConfig } from "../../site.config";
import { recordCheckFailure, recordCheckSuccess } from "../assurance/queries";
import { attachFilesStatement, findFile, type StoredFile } from "../files/queries";
import { signedFileUrl } from "../files/store";
import type { Services } from "../platform/services";
import { addFollowUp } from "../reports/followup";
import { intakeReport, type IntakeResult } from "../reports/intake";
import { findReportById, insertMessageStatement } from "../reports/queries";
import { callCallbackUrl, callToken } from "./call-token";
import {
  claimRecording,
  claimTranscript,
  claimTranscriptAdded,
  findCall,
  linkCallStatement,
  recordCall,
  recordCallEnd,
  recordCopy,
  type PhoneCall,
} from "./queries";
import { copyRecording, recordingResourceUrl } from "./recording";
import type { PhoneSettings } from "./settings";
import { currentStatusSnapshot } from "./status-seam";
import { spokenStatus } from "./status-sentence.pure";
import { greetingTwiml } from "./twiml.pure";
import {
  TRANSCRIPT_FAILED_NOTE,
  callbackNumber,
  callerLabel,
  callWithoutStorageMessage,
  formatTime,
  missedCallMessage,
  missedCallSubject,
  transcriptFollowUp,
  voicemailMessage,
  voicemailSubject,
} from "./words.pure";

/** What the hotline uses: storage, files, the fan-out (through intake), mail (intake's fallback). */
export type PhoneServices = Pick<Services, "db" | "files" | "queue" | "mail" | "config" | "defer">;

/** The longest transcript kept (Twilio's are of two minutes of speech: a few hundred words). */
const MAX_TRANSCRIPT_CHARS = 5_000;

export function callChannelMessageId(callSid: string): string {
  return `call:${callSid}`;
}

// ---- the call ------------------------------------------------------------------------------

/**
 * The TwiML that answers a call. Every call is answered: the call is recorded in storage when it
 * can be, and when storage is down the greeting says the status is unknown and the message is
 * still taken (its callbacks carry what is needed to page by mail).
 */
export async function answerCall(svc: Pick<Services, "db" | "config">, s: PhoneSettings, call: { callSid: string; from: string; to: string }, now: Date): Promise<string> {
  try {
    await recordCall(svc.db, call, now.toISOString());
  } catch (err) {
    console.error(`phone: call ${call.callSid} answered but not stored (storage down?)`, err);
  }
  const status = await currentStatusSnapshot(svc.db);
  const token = await callToken(s.tokenKey, call.callSid, call.from);
  const url = (kind: "voicemail" | "recording" | "transcription", extra: Record<string, string> = {}) => callCallbackUrl(svc.config.publicUrl, kind, token, call.from, extra);
  return greetingTwiml({
    companyName: siteConfig.name,
    status: spokenStatus(status),
    record: {
      maxLength: s.recordingMaxSeconds,
      timeout: s.silenceSeconds,
      actionUrl: url("voicemail"),
      recordingStatusCallback: url("recording"),
      transcribeCallback: s.transcription === "twilio" ? url("transcription") : null,
      emptyUrl: url("voicemail", { empty: "1" }),
    },
  });
}

// ---- the recording -------------------------------------------------------------------------

export interface RecordingCallback {
  callSid: string;
  /** The caller, from the callback URL (Twilio does not repeat it in recording callbacks). */
  from: string;
  recordingSid: string;
  /** completed, absent or failed */
  status: string;
  seconds: number;
}

export type RecordingOutcome = "voicemail" | "missed" | "replay";

/**
 * Twilio's recording callback. Claims the recording for its call (a retry or replay changes
 * nothing), then files the report. Throws IntakeUnavailableError when storage is down, after
 * intake paged FALLBACK_PAGE_TO by mail with the report's text (and so the recording's link).
 */
export async function receiveRecording(svc: PhoneServices, s: PhoneSettings, cb: RecordingCallback, now: Date): Promise<RecordingOutcome> {
  const nowIso = now.toISOString();
  let call: PhoneCall | null;
  try {
    // A call answered while storage was down has no row yet: its token proved we answered it.
    await recordCall(svc.db, { callSid: cb.callSid, from: cb.from, to: s.hotline ?? "" }, nowIso);
    const claimed = await claimRecording(svc.db, cb.callSid, { sid: cb.recordingSid, url: recordingResourceUrl(s, cb.recordingSid), status: cb.status, duration: cb.seconds }, nowIso);
    call = await findCall(svc.db, cb.callSid);
    if (!claimed || !call) return "replay";
  } catch (err) {
    console.error(`phone: recording ${cb.recordingSid} arrived while storage is down; paging by mail`, err);
    await fileWithoutStorage(svc, s, cb, now);
    return cb.status === "completed" && cb.seconds >= 1 ? "voicemail" : "missed";
  }
  return processRecording(svc, s, call, now);
}

/**
 * Files the report of a call that has its recording: a voicemail, or a missed call when the
 * recording is absent or of 0 seconds. Safe to run again (the sweep does after a failure).
 */
export async function processRecording(svc: PhoneServices, s: PhoneSettings, call: PhoneCall, now: Date): Promise<RecordingOutcome> {
  const seconds = call.recordingDuration ?? 0;
  if (call.recordingStatus !== "completed" || seconds < 1) {
    await fileMissedCall(svc, call, now);
    return "missed";
  }
  const from = callbackNumber(call.from);
  const file = await ensureCopy(svc, s, call, now);
  const link = file ? await recordingLink(svc, s, file.id, now) : null;
  const transcript = call.transcriptStatus === "completed" ? call.transcript : null;
  const message = voicemailMessage({
    from,
    seconds,
    at: call.answeredAt,
    link,
    providerUrl: file ? null : recordingResourceUrl(s, call.recordingSid!),
    transcript,
  });
  const result = await intakeReport(
    svc,
    { channel: "phone", reporter: { phone: from, name: from ? null : "Caller with a withheld number" }, subject: voicemailSubject(from, seconds), message, channelMessageId: callChannelMessageId(call.callSid) },
    { now },
  );
  // A missed call filed by the sweep before the recording came: the voicemail joins its thread.
  if (!result.created && call.outcome === "missed") await addFollowUp(svc, result.report, message, now);
  await linkCall(svc, call, result, { outcome: "voicemail", transcriptAdded: transcript !== null || call.transcriptStatus === "failed", fileId: file?.id ?? null }, now);
  return "voicemail";
}

/** The copy in R2, made now if it is not there yet; null (and noted) when Twilio or R2 failed. */
async function ensureCopy(svc: PhoneServices, s: PhoneSettings, call: PhoneCall, now: Date): Promise<StoredFile | null> {
  if (call.fileId) return findFile(svc.db, call.fileId);
  try {
    const file = await copyRecording(svc, s, { recordingSid: call.recordingSid!, callSid: call.callSid, from: callbackNumber(call.from), seconds: call.recordingDuration ?? 0 }, now);
    await recordCopy(svc.db, call.callSid, { fileId: file.id }, now.toISOString());
    // The copy path works (GET /api/admin/assurance shows when it last did).
    await recordCheckSuccess(svc.db, "phone:recordings", now, { recordingSid: call.recordingSid }).catch(() => undefined);
    return file;
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    console.error(`phone: recording ${call.recordingSid} of ${call.callSid} not copied: ${error}`);
    await recordCopy(svc.db, call.callSid, { error }, now.toISOString()).catch(() => undefined);
    await recordCheckFailure(svc.db, "phone:recordings", now, `recording ${call.recordingSid}: ${error}`).catch(() => undefined);
    return null;
  }
}

async function recordingLink(svc: Pick<Services, "config">, s: PhoneSettings, fileId: string, now: Date): Promise<{ url: string; expiresAt: string } | null> {
  const expiresAt = new Date(now.getTime() + s.linkTtlHours * 3_600_000);
  const url = await signedFileUrl(svc.config, fileId, expiresAt);
  return url ? { url, expiresAt: expiresAt.toISOString() } : null;
}

async function linkCall(
  svc: PhoneServices,
  call: PhoneCall,
  result: IntakeResult,
  l: { outcome: "voicemail" | "missed"; transcriptAdded: boolean; fileId: string | null },
  now: Date,
): Promise<void> {
  await svc.db.batch([
    linkCallStatement(svc.db, call.callSid, { reportId: result.report.id, outcome: l.outcome, transcriptAdded: l.transcriptAdded }, now.toISOString()),
    ...(l.fileId ? attachFilesStatement(svc.db, [l.fileId], result.report.id) : []),
  ]);
}

/** A call without a message: the caller hung up, stayed silent, or the recording was empty. */
export async function fileMissedCall(svc: PhoneServices, call: PhoneCall, now: Date): Promise<void> {
  const from = callbackNumber(call.from);
  const result = await intakeReport(
    svc,
    {
      channel: "phone",
      reporter: { phone: from, name: from ? null : "Caller with a withheld number" },
      subject: missedCallSubject(from),
      message: missedCallMessage({ from, at: call.answeredAt, seconds: call.callDuration }),
      channelMessageId: callChannelMessageId(call.callSid),
    },
    { now },
  );
  // Already a voicemail report (its recording came first): leave it as it is.
  const outcome = !result.created && call.outcome === "voicemail" ? "voicemail" : "missed";
  await linkCall(svc, call, result, { outcome, transcriptAdded: false, fileId: null }, now);
}

/** Storage is down: intake cannot store the report and pages by mail; the text it mails says
 * where the recording is (Twilio's URL: our own link needs storage to work). */
async function fileWithoutStorage(svc: PhoneServices, s: PhoneSettings, cb: RecordingCallback, now: Date): Promise<void> {
  const from = callbackNumber(cb.from);
  const voicemail = cb.status === "completed" && cb.seconds >= 1;
  const input = voicemail
    ? {
        subject: voicemailSubject(from, cb.seconds),
        message: voicemailMessage({ from, seconds: cb.seconds, at: now.toISOString(), link: null, providerUrl: recordingResourceUrl(s, cb.recordingSid), transcript: null }),
      }
    : { subject: missedCallSubject(from), message: missedCallMessage({ from, at: now.toISOString(), seconds: null }) };
  // Throws IntakeUnavailableError once it has paged; should storage be back already, the report
  // is simply filed (its call row is linked by nobody: the thread has Twilio's URL).
  await intakeReport(svc, { channel: "phone", reporter: { phone: from, name: from ? null : "Caller with a withheld number" }, ...input, channelMessageId: callChannelMessageId(cb.callSid) }, { now });
}

/** The sweep's second chance at a copy that failed: the link is added to the thread. */
export async function retryCopy(svc: PhoneServices, s: PhoneSettings, call: PhoneCall, now: Date): Promise<boolean> {
  const file = await ensureCopy(svc, s, call, now);
  if (!file || !call.reportId) return false;
  const link = await recordingLink(svc, s, file.id, now);
  const body = link
    ? `The recording is copied: ${link.url} (link valid until ${formatTime(link.expiresAt)}).`
    : "The recording is copied; open it from the report's files in the staff view.";
  await svc.db.batch([
    ...attachFilesStatement(svc.db, [file.id], call.reportId),
    insertMessageStatement(svc.db, { reportId: call.reportId, author: "system", authorName: "Hotline", body, createdAt: now.toISOString() }),
  ]);
  return true;
}

// ---- the transcript ------------------------------------------------------------------------

/**
 * A transcript of a call's voicemail, from any speech-to-text provider: Twilio's callback
 * today (routes.ts), and any other provider that transcribes the copy in R2 and calls this
 * with its own id. Kept on the call; added to the report's thread when there is a report, or
 * carried by the voicemail report's first message when the transcript came first.
 */
export interface Transcript {
  callSid: string;
  from: string;
  /** "twilio", or the other provider's name. */
  provider: string;
  /** The provider's id for this transcription (Twilio's TranscriptionSid): once per call. */
  id: string;
  status: "completed" | "failed";
  text: string | null;
}

export type TranscriptOutcome = "added" | "noted" | "kept" | "replay";

export async function recordTranscript(svc: PhoneServices, s: PhoneSettings, t: Transcript, now: Date): Promise<TranscriptOutcome> {
  const text = t.text ? normalizeText(t.text, { multiline: true }).slice(0, MAX_TRANSCRIPT_CHARS) : null;
  const status = t.status === "completed" && text ? "completed" : "failed";
  await recordCall(svc.db, { callSid: t.callSid, from: t.from, to: s.hotline ?? "" }, now.toISOString());
  if (!(await claimTranscript(svc.db, t.callSid, { id: `${t.provider}:${t.id}`, status, text }, now.toISOString()))) return "replay";
  const call = await findCall(svc.db, t.callSid);
  if (!call?.reportId) return "kept";
  return addTranscriptToThread(svc, call, now);
}

/**
 * Adds a call's transcript to its report's thread, once. While the report is open it is a
 * follow-up, so it reaches whoever handles the report (the fan-out's rules: one notice per
 * window, floods in the digest); on a resolved report it is a system note that pages nobody
 * and reopens nothing. A failed transcription is a note either way.
 */
export async function addTranscriptToThread(svc: PhoneServices, call: PhoneCall, now: Date): Promise<TranscriptOutcome> {
  if (!call.reportId || !(await claimTranscriptAdded(svc.db, call.callSid, now.toISOString()))) return "replay";
  const report = await findReportById(svc.db, call.reportId);
  if (!report) return "replay";
  const note = (body: string) =>
    insertMessageStatement(svc.db, { reportId: report.id, author: "system", authorName: "Transcription", body, createdAt: now.toISOString() }).run();
  if (call.transcriptStatus !== "completed" || !call.transcript) {
    await note(TRANSCRIPT_FAILED_NOTE);
    return "noted";
  }
  const body = transcriptFollowUp(call.transcript);
  if (report.state === "resolved") {
    await note(body);
    return "noted";
  }
  await addFollowUp(svc, report, body, now);
  return "added";
}

// ---- the end of the call -------------------------------------------------------------------

/**
 * The number's call status callback (the call is over). Recorded, so that the sweep files a
 * missed call soon after a caller hangs up during the greeting. When storage is down, intake's
 * fallback mails the call at once: without storage nothing could notice it later.
 */
export async function recordCallStatus(
  svc: PhoneServices,
  c: { callSid: string; from: string; to: string; status: string; seconds: number | null },
  now: Date,
): Promise<void> {
  try {
    await recordCall(svc.db, { callSid: c.callSid, from: c.from, to: c.to }, now.toISOString());
    await recordCallEnd(svc.db, c.callSid, { status: c.status, duration: c.seconds }, now.toISOString());
  } catch (err) {
    console.error(`phone: the end of call ${c.callSid} arrived while storage is down; paging by mail`, err);
    const from = callbackNumber(c.from);
    await intakeReport(
      svc,
      {
        channel: "phone",
        reporter: { phone: from, name: from ? null : "Caller with a withheld number" },
        subject: `Call from ${callerLabel(from)} (storage down)`,
        message: callWithoutStorageMessage({ from, at: now.toISOString(), seconds: c.seconds }),
        channelMessageId: callChannelMessageId(c.callSid),
      },
      { now },
    );
  }
}
