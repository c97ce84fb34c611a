// Storage of the hotline (migrations/0009_phone.sql): calls, SMS and opt-outs. Small functions
// taking the binding first, ?1 placeholders, rows mapped to domain types.

export interface PhoneCall {
  callSid: string;
  /** As Twilio sent it: E.164, or a withheld-number marker. */
  from: string;
  to: string;
  answeredAt: string;
  endedAt: string | null;
  callStatus: string | null;
  callDuration: number | null;
  recordingSid: string | null;
  recordingUrl: string | null;
  recordingStatus: string | null;
  recordingDuration: number | null;
  fileId: string | null;
  copyAttempts: number;
  copyError: string | null;
  transcriptionSid: string | null;
  transcript: string | null;
  transcriptStatus: string | null;
  transcriptAdded: boolean;
  outcome: "voicemail" | "missed" | null;
  reportId: string | null;
}

interface CallRow {
  call_sid: string;
  from_number: string;
  to_number: string;
  answered_at: string;
  ended_at: string | null;
  call_status: string | null;
  call_duration: number | null;
  recording_sid: string | null;
  recording_url: string | null;
  recording_status: string | null;
  recording_duration: number | null;
  file_id: string | null;
  copy_attempts: number;
  copy_error: string | null;
  transcription_sid: string | null;
  transcript: string | null;
  transcript_status: string | null;
  transcript_added: number;
  outcome: "voicemail" | "missed" | null;
  report_id: string | null;
}

const toCall = (r: CallRow): PhoneCall => ({
  callSid: r.call_sid,
  from: r.from_number,
  to: r.to_number,
  answeredAt: r.answered_at,
  endedAt: r.ended_at,
  callStatus: r.call_status,
  callDuration: r.call_duration,
  recordingSid: r.recording_sid,
  recordingUrl: r.recording_url,
  recordingStatus: r.recording_status,
  recordingDuration: r.recording_duration,
  fileId: r.file_id,
  copyAttempts: r.copy_attempts,
  copyError: r.copy_error,
  transcriptionSid: r.transcription_sid,
  transcript: r.transcript,
  transcriptStatus: r.transcript_status,
  transcriptAdded: r.transcript_added === 1,
  outcome: r.outcome,
  reportId: r.report_id,
});

/** Records a call we answer; a retried webhook (same CallSid) changes nothing. */
export async function recordCall(db: D1Database, c: { callSid: string; from: string; to: string }, now: string): Promise<void> {
  await db
    .prepare("INSERT INTO phone_calls (call_sid, from_number, to_number, answered_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT (call_sid) DO NOTHING")
    .bind(c.callSid, c.from, c.to, now)
    .run();
}

export async function findCall(db: D1Database, callSid: string): Promise<PhoneCall | null> {
  const row = await db.prepare("SELECT * FROM phone_calls WHERE call_sid = ?1").bind(callSid).first<CallRow>();
  return row ? toCall(row) : null;
}

/** Claims a call's recording; false when the call already has one (Twilio's retry, a replay). */
export async function claimRecording(
  db: D1Database,
  callSid: string,
  r: { sid: string; url: string; status: string; duration: number },
  now: string,
): Promise<boolean> {
  const res = await db
    .prepare(
      `UPDATE phone_calls SET recording_sid = ?2, recording_url = ?3, recording_status = ?4, recording_duration = ?5, updated_at = ?6
       WHERE call_sid = ?1 AND recording_sid IS NULL`,
    )
    .bind(callSid, r.sid, r.url, r.status, r.duration, now)
    .run();
  return res.meta.changes === 1;
}

export async function recordCopy(db: D1Database, callSid: string, outcome: { fileId: string } | { error: string }, now: string): Promise<void> {
  if ("fileId" in outcome) {
    await db.prepare("UPDATE phone_calls SET file_id = ?2, copy_error = NULL, copy_attempts = copy_attempts + 1, updated_at = ?3 WHERE call_sid = ?1").bind(callSid, outcome.fileId, now).run();
  } else {
    await db
      .prepare("UPDATE phone_calls SET copy_error = ?2, copy_attempts = copy_attempts + 1, updated_at = ?3 WHERE call_sid = ?1")
      .bind(callSid, outcome.error.slice(0, 500), now)
      .run();
  }
}

/** Links the call to its report; `transcriptAdded` when its first message carries the transcript. */
export function linkCallStatement(
  db: D1Database,
  callSid: string,
  l: { reportId: string; outcome: "voicemail" | "missed"; transcriptAdded: boolean },
  now: string,
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE phone_calls SET report_id = ?2, outcome = ?3, transcript_added = MAX(transcript_added, ?4), updated_at = ?5 WHERE call_sid = ?1`,
    )
    .bind(callSid, l.reportId, l.outcome, l.transcriptAdded ? 1 : 0, now);
}

/** The end of the call, from the number's status callback. */
export async function recordCallEnd(db: D1Database, callSid: string, e: { status: string; duration: number | null }, now: string): Promise<boolean> {
  const res = await db
    .prepare("UPDATE phone_calls SET ended_at = COALESCE(ended_at, ?2), call_status = ?3, call_duration = ?4, updated_at = ?2 WHERE call_sid = ?1")
    .bind(callSid, now, e.status, e.duration)
    .run();
  return res.meta.changes === 1;
}

/** Claims a call's transcription; false when it already has one (a retry or a replay). */
export async function claimTranscript(
  db: D1Database,
  callSid: string,
  t: { id: string; status: string; text: string | null },
  now: string,
): Promise<boolean> {
  const res = await db
    .prepare(
      `UPDATE phone_calls SET transcription_sid = ?2, transcript_status = ?3, transcript = ?4, updated_at = ?5
       WHERE call_sid = ?1 AND transcription_sid IS NULL`,
    )
    .bind(callSid, t.id, t.status, t.text, now)
    .run();
  return res.meta.changes === 1;
}

/** Marks the transcript as in the thread; false when it already was (so it is added once). */
export async function claimTranscriptAdded(db: D1Database, callSid: string, now: string): Promise<boolean> {
  const res = await db.prepare("UPDATE phone_calls SET transcript_added = 1, updated_at = ?2 WHERE call_sid = ?1 AND transcript_added = 0").bind(callSid, now).run();
  return res.meta.changes === 1;
}

/**
 * Calls the sweep must finish: no report yet and either a recording to process, or no recording
 * and the call over (ended `endedBefore`, or answered so long ago that any recording would have
 * come: `answeredBefore`); voicemails whose recording is still to be copied; transcripts not yet
 * in their report's thread.
 */
export async function listUnfinishedCalls(
  db: D1Database,
  o: { endedBefore: string; answeredBefore: string; recordedBefore: string; maxCopyAttempts: number; limit: number },
): Promise<PhoneCall[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM phone_calls
       WHERE (report_id IS NULL AND (
               (recording_sid IS NOT NULL AND updated_at <= ?3)
            OR (recording_sid IS NULL AND ((ended_at IS NOT NULL AND ended_at <= ?1) OR answered_at <= ?2))))
          OR (report_id IS NOT NULL AND outcome = 'voicemail' AND file_id IS NULL AND recording_status = 'completed'
              AND copy_attempts < ?4 AND updated_at <= ?3)
          OR (report_id IS NOT NULL AND transcription_sid IS NOT NULL AND transcript_added = 0 AND updated_at <= ?3)
       ORDER BY answered_at LIMIT ?5`,
    )
    .bind(o.endedBefore, o.answeredBefore, o.recordedBefore, o.maxCopyAttempts, o.limit)
    .all<CallRow>();
  return results.map(toCall);
}

/** Calls answered from a number since `since` (the staff view, the storm test). */
export async function countCallsFrom(db: D1Database, from: string, since: string): Promise<number> {
  const row = await db.prepare("SELECT COUNT(*) AS n FROM phone_calls WHERE from_number = ?1 AND answered_at >= ?2").bind(from, since).first<{ n: number }>();
  return row?.n ?? 0;
}

// --- SMS ----------------------------------------------------------------------------------------

export type MessageKind = "report" | "followup" | "opt-out" | "opt-in" | "help";

/**
 * Claims an SMS by its MessageSid: "new" the first time, "done" when it was handled before (a
 * retry or a replay: answer nothing), "unfinished" when an earlier attempt stopped half-way (run
 * it again: the report's channel message id keeps that from making two reports).
 */
export async function claimMessage(db: D1Database, m: { sid: string; from: string; kind: MessageKind }, now: string): Promise<"new" | "done" | "unfinished"> {
  const res = await db
    .prepare("INSERT INTO phone_messages (message_sid, from_number, kind, received_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (message_sid) DO NOTHING")
    .bind(m.sid, m.from, m.kind, now)
    .run();
  if (res.meta.changes === 1) return "new";
  const row = await db.prepare("SELECT done FROM phone_messages WHERE message_sid = ?1").bind(m.sid).first<{ done: number }>();
  return row?.done === 1 ? "done" : "unfinished";
}

export async function finishMessage(db: D1Database, sid: string, f: { kind: MessageKind; reportId: string | null; replied: boolean }): Promise<void> {
  await db
    .prepare("UPDATE phone_messages SET kind = ?2, report_id = ?3, replied = ?4, done = 1 WHERE message_sid = ?1")
    .bind(sid, f.kind, f.reportId, f.replied ? 1 : 0)
    .run();
}

/** SMS answers sent to a number since `since`: a cap, so nothing can make us text a number often. */
export async function countRepliesTo(db: D1Database, number: string, since: string): Promise<number> {
  const row = await db
    .prepare("SELECT COUNT(*) AS n FROM phone_messages WHERE from_number = ?1 AND replied = 1 AND received_at >= ?2")
    .bind(number, since)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

export async function optOut(db: D1Database, number: string, keyword: string, now: string): Promise<void> {
  await db
    .prepare("INSERT INTO sms_opt_outs (number, keyword, opted_out_at) VALUES (?1, ?2, ?3) ON CONFLICT (number) DO UPDATE SET keyword = ?2, opted_out_at = ?3")
    .bind(number, keyword.slice(0, 40), now)
    .run();
}

export async function optIn(db: D1Database, number: string): Promise<void> {
  await db.prepare("DELETE FROM sms_opt_outs WHERE number = ?1").bind(number).run();
}

export async function isOptedOut(db: D1Database, number: string): Promise<boolean> {
  return (await db.prepare("SELECT 1 AS x FROM sms_opt_outs WHERE number = ?1").bind(number).first()) !== null;
}
