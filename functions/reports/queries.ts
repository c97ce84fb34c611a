// Storage of reports, their threads and the outbox. Small functions taking the binding first,
// `?1` placeholders, and mappers from rows to domain types. Writes that must happen together
// are returned as prepared statements so the caller can put them in one D1 batch.
import type { MessageAuthor, ReportChannel, ReportState, Urgency } from "../../contract/reports";

export interface Report {
  id: string;
  reference: string;
  viewTokenHash: string;
  channel: ReportChannel;
  channelMessageId: string | null;
  idempotencyKey: string | null;
  /** SHA-256 of the whole submission: an Idempotency-Key reused with anything else is a conflict. */
  submissionHash: string | null;
  state: ReportState;
  urgency: Urgency;
  subject: string;
  reporter: { name: string | null; email: string | null; phone: string | null; xHandle: string | null; socialHandle: string | null };
  componentId: string | null;
  incidentId: string | null;
  clientHash: string | null;
  userAgent: string | null;
  reporterKey: string | null;
  textHash: string;
  duplicateOf: string | null;
  alertId: string | null;
  createdAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  /** Sent by the path canary (functions/canary): stored, queued and grouped like any report,
   * but it pages nobody and no staff list or count shows it. */
  synthetic: boolean;
}

export interface ReportMessage {
  id: number;
  reportId: string;
  author: MessageAuthor;
  authorName: string | null;
  body: string;
  createdAt: string;
}

interface ReportRow {
  id: string;
  reference: string;
  view_token_hash: string;
  channel: ReportChannel;
  channel_message_id: string | null;
  idempotency_key: string | null;
  submission_hash: string | null;
  state: ReportState;
  urgency: Urgency;
  subject: string;
  reporter_name: string | null;
  reporter_email: string | null;
  reporter_phone: string | null;
  reporter_x_handle: string | null;
  reporter_social_handle: string | null;
  component_id: string | null;
  incident_id: string | null;
  client_hash: string | null;
  user_agent: string | null;
  reporter_key: string | null;
  text_hash: string;
  duplicate_of: string | null;
  alert_id: string | null;
  created_at: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  resolved_at: string | null;
  synthetic?: number;
}

interface MessageRow {
  id: number;
  report_id: string;
  author: MessageAuthor;
  author_name: string | null;
  body: string;
  created_at: string;
}

export function toReport(row: ReportRow): Report {
  return {
    id: row.id,
    reference: row.reference,
    viewTokenHash: row.view_token_hash,
    channel: row.channel,
    channelMessageId: row.channel_message_id,
    idempotencyKey: row.idempotency_key,
    submissionHash: row.submission_hash,
    state: row.state,
    urgency: row.urgency,
    subject: row.subject,
    reporter: { name: row.reporter_name, email: row.reporter_email, phone: row.reporter_phone, xHandle: row.reporter_x_handle, socialHandle: row.reporter_social_handle ?? null },
    componentId: row.component_id,
    incidentId: row.incident_id,
    clientHash: row.client_hash,
    userAgent: row.user_agent,
    reporterKey: row.reporter_key,
    textHash: row.text_hash,
    duplicateOf: row.duplicate_of,
    alertId: row.alert_id,
    createdAt: row.created_at,
    acknowledgedAt: row.acknowledged_at,
    acknowledgedBy: row.acknowledged_by,
    resolvedAt: row.resolved_at,
    synthetic: row.synthetic === 1,
  };
}

function toMessage(row: MessageRow): ReportMessage {
  return { id: row.id, reportId: row.report_id, author: row.author, authorName: row.author_name, body: row.body, createdAt: row.created_at };
}

// ---- reads -------------------------------------------------------------------------------

export function findReportByChannelMessageStatement(db: D1Database, channel: ReportChannel, channelMessageId: string): D1PreparedStatement {
  return db.prepare("SELECT * FROM reports WHERE channel = ?1 AND channel_message_id = ?2").bind(channel, channelMessageId);
}

export function findReportByIdempotencyKeyStatement(db: D1Database, channel: ReportChannel, key: string): D1PreparedStatement {
  return db.prepare("SELECT * FROM reports WHERE channel = ?1 AND idempotency_key = ?2").bind(channel, key);
}

/** The components a reporter can choose on the form, in page order. */
export async function listComponentChoices(db: D1Database): Promise<Array<{ id: string; name: string }>> {
  const { results } = await db.prepare("SELECT id, name FROM components ORDER BY position, name").all<{ id: string; name: string }>();
  return results;
}

/** Unresolved incidents, newest first: the problems the report form says we know about. */
export async function listKnownIncidents(db: D1Database, limit = 5): Promise<Array<{ id: string; name: string; status: string }>> {
  const { results } = await db
    .prepare(
      `SELECT id, name, status FROM incidents WHERE kind = 'incident' AND status IN ('investigating','identified','monitoring')
       ORDER BY created_at DESC LIMIT ?1`,
    )
    .bind(limit)
    .all<{ id: string; name: string; status: string }>();
  return results;
}

export function knownIncidentExistsStatement(db: D1Database, incidentId: string): D1PreparedStatement {
  return db
    .prepare("SELECT id FROM incidents WHERE id = ?1 AND kind = 'incident' AND status IN ('investigating','identified','monitoring')")
    .bind(incidentId);
}

export function componentExistsStatement(db: D1Database, componentId: string): D1PreparedStatement {
  return db.prepare("SELECT id FROM components WHERE id = ?1").bind(componentId);
}

/** Runs lookup statements in one round trip and maps each first row (or null). */
export async function firstRows(db: D1Database, statements: D1PreparedStatement[]): Promise<Array<Record<string, unknown> | null>> {
  if (statements.length === 0) return [];
  const results = await db.batch<Record<string, unknown>>(statements);
  return results.map((r) => r.results[0] ?? null);
}

export function rowToReport(row: Record<string, unknown> | null): Report | null {
  return row ? toReport(row as unknown as ReportRow) : null;
}

export async function findReportByReference(db: D1Database, reference: string): Promise<Report | null> {
  const row = await db.prepare("SELECT * FROM reports WHERE reference = ?1").bind(reference).first<ReportRow>();
  return row ? toReport(row) : null;
}

export async function findReportById(db: D1Database, id: string): Promise<Report | null> {
  const row = await db.prepare("SELECT * FROM reports WHERE id = ?1").bind(id).first<ReportRow>();
  return row ? toReport(row) : null;
}

export async function findMessage(db: D1Database, reportId: string, messageId: number): Promise<ReportMessage | null> {
  const row = await db.prepare("SELECT * FROM report_messages WHERE report_id = ?1 AND id = ?2").bind(reportId, messageId).first<MessageRow>();
  return row ? toMessage(row) : null;
}

export async function findMessageById(db: D1Database, messageId: number): Promise<ReportMessage | null> {
  const row = await db.prepare("SELECT * FROM report_messages WHERE id = ?1").bind(messageId).first<MessageRow>();
  return row ? toMessage(row) : null;
}

export async function listMessages(db: D1Database, reportId: string): Promise<ReportMessage[]> {
  const { results } = await db.prepare("SELECT * FROM report_messages WHERE report_id = ?1 ORDER BY id").bind(reportId).all<MessageRow>();
  return results.map(toMessage);
}

/** Messages of several reports in one query (at most 100 ids: D1's bound-parameter limit). */
export async function listMessagesOf(db: D1Database, reportIds: string[]): Promise<Map<string, ReportMessage[]>> {
  const byReport = new Map<string, ReportMessage[]>(reportIds.map((id) => [id, []]));
  if (reportIds.length === 0) return byReport;
  const placeholders = reportIds.map((_, i) => `?${i + 1}`).join(", ");
  const { results } = await db
    .prepare(`SELECT * FROM report_messages WHERE report_id IN (${placeholders}) ORDER BY id`)
    .bind(...reportIds)
    .all<MessageRow>();
  for (const row of results) byReport.get(row.report_id)?.push(toMessage(row));
  return byReport;
}

/** The newest report still open (not resolved) from this phone number on one of `channels`:
 * a later SMS from the same number joins it instead of filing another. */
export async function findOpenReportByPhone(db: D1Database, phone: string, channels: readonly ReportChannel[]): Promise<Report | null> {
  const placeholders = channels.map((_, i) => `?${i + 2}`).join(", ");
  const row = await db
    .prepare(`SELECT * FROM reports WHERE reporter_phone = ?1 AND channel IN (${placeholders}) AND state != 'resolved' ORDER BY created_at DESC, id DESC LIMIT 1`)
    .bind(phone, ...channels)
    .first<ReportRow>();
  return row ? toReport(row) : null;
}

export interface ReportFilter {
  channel?: ReportChannel;
  state?: ReportState;
  incident?: string;
  /** Only reports created strictly before this time. */
  before?: string;
  /** Paging: only reports after this (created_at, id) position in newest-first order. */
  after?: { createdAt: string; id: string };
  /** Words in the reference, subject or reporter (name, email, phone, X handle); see docs/architecture.md
   * "Console" for why a LIKE scan and not FTS5. */
  search?: string;
  limit: number;
}

/** A LIKE pattern that matches `text` anywhere, with the wildcards in it taken literally. */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

/** Newest first. */
export async function listReports(db: D1Database, filter: ReportFilter): Promise<Report[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM reports
       WHERE synthetic = 0 AND (?1 IS NULL OR channel = ?1) AND (?2 IS NULL OR state = ?2) AND (?3 IS NULL OR created_at < ?3)
         AND (?5 IS NULL OR created_at < ?5 OR (created_at = ?5 AND id < ?6)) AND (?7 IS NULL OR incident_id = ?7)
         AND (?8 IS NULL OR reference LIKE ?8 ESCAPE '\\' OR subject LIKE ?8 ESCAPE '\\' OR reporter_name LIKE ?8 ESCAPE '\\'
              OR reporter_email LIKE ?8 ESCAPE '\\' OR reporter_phone LIKE ?8 ESCAPE '\\' OR reporter_x_handle LIKE ?8 ESCAPE '\\')
       ORDER BY created_at DESC, id DESC LIMIT ?4`,
    )
    .bind(
      filter.channel ?? null,
      filter.state ?? null,
      filter.before ?? null,
      filter.limit,
      filter.after?.createdAt ?? null,
      filter.after?.id ?? null,
      filter.incident ?? null,
      filter.search ? containsPattern(filter.search) : null,
    )
    .all<ReportRow>();
  return results.map(toReport);
}

// ---- writes (as statements for one batch) --------------------------------------------------

/**
 * Inserts a report. With `duplicates`, its duplicate_of is the newest earlier report with the
 * same text (text_hash) from the same reporter (reporter_key) since `since`, found by a
 * subquery so that the check and the write are one statement.
 */
export function insertReportStatement(db: D1Database, r: Report, duplicates: { since: string } | null = null): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO reports (id, reference, view_token_hash, channel, channel_message_id, idempotency_key, state, urgency,
         subject, reporter_name, reporter_email, reporter_phone, reporter_x_handle, component_id, client_hash, user_agent,
         reporter_key, text_hash, duplicate_of, alert_id, created_at, submission_hash, incident_id, reporter_social_handle, synthetic)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
         COALESCE(?19, (SELECT d.id FROM reports d WHERE ?22 IS NOT NULL AND d.reporter_key = ?17 AND d.text_hash = ?18
                        AND d.created_at >= ?22 ORDER BY d.created_at DESC LIMIT 1)),
         ?20, ?21, ?23, ?24, ?25, ?26)`,
    )
    .bind(
      r.id,
      r.reference,
      r.viewTokenHash,
      r.channel,
      r.channelMessageId,
      r.idempotencyKey,
      r.state,
      r.urgency,
      r.subject,
      r.reporter.name,
      r.reporter.email,
      r.reporter.phone,
      r.reporter.xHandle,
      r.componentId,
      r.clientHash,
      r.userAgent,
      r.reporterKey,
      r.textHash,
      r.duplicateOf,
      r.alertId,
      r.createdAt,
      duplicates?.since ?? null,
      r.submissionHash,
      r.incidentId,
      r.reporter.socialHandle,
      r.synthetic ? 1 : 0,
    );
}

/** A system note in a duplicate's thread naming the original (nothing when not a duplicate). */
export function duplicateNoteStatement(db: D1Database, reportId: string, window: string, now: string): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO report_messages (report_id, author, author_name, body, created_at)
       SELECT r.id, 'system', NULL, 'Same text as ' || d.reference || ' from the same reporter ' || ?2 || ': stored, on-call not paged again.', ?3
       FROM reports r JOIN reports d ON d.id = r.duplicate_of WHERE r.id = ?1`,
    )
    .bind(reportId, window, now);
}

/** What the insert decided: the original this report duplicates, if any. */
export function duplicateOfStatement(db: D1Database, reportId: string): D1PreparedStatement {
  return db
    .prepare("SELECT d.id, d.reference FROM reports r JOIN reports d ON d.id = r.duplicate_of WHERE r.id = ?1")
    .bind(reportId);
}

export function insertMessageStatement(
  db: D1Database,
  m: { reportId: string; author: MessageAuthor; authorName: string | null; body: string; createdAt: string },
): D1PreparedStatement {
  return db
    .prepare("INSERT INTO report_messages (report_id, author, author_name, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id")
    .bind(m.reportId, m.author, m.authorName, m.body, m.createdAt);
}

/** Acknowledges a new report (a report already acknowledged or resolved is left as it is). */
export function acknowledgeReportStatement(db: D1Database, reportId: string, by: string, now: string): D1PreparedStatement {
  return db
    .prepare("UPDATE reports SET state = 'acknowledged', acknowledged_at = ?2, acknowledged_by = ?3 WHERE id = ?1 AND state = 'new'")
    .bind(reportId, now, by);
}

export function resolveReportStatement(db: D1Database, reportId: string, now: string): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE reports SET state = 'resolved', resolved_at = ?2, acknowledged_at = COALESCE(acknowledged_at, ?2)
       WHERE id = ?1 AND state != 'resolved'`,
    )
    .bind(reportId, now);
}

// ---- outbox ---------------------------------------------------------------------------------

export interface OutboxRow {
  id: string;
  kind: string;
  payload: string;
  created_at: string;
  dispatched_at: string | null;
  attempts: number;
  last_attempt_at: string | null;
  last_error: string | null;
  fallback_paged_at: string | null;
}

/** An outbox row counted as sent once: intake sends it right after the batch succeeds. */
export function insertOutboxStatement(db: D1Database, row: { id: string; kind: string; payload: unknown; now: string }): D1PreparedStatement {
  return db
    .prepare("INSERT INTO outbox (id, kind, payload, created_at, attempts, last_attempt_at) VALUES (?1, ?2, ?3, ?4, 1, ?4)")
    .bind(row.id, row.kind, JSON.stringify(row.payload), row.now);
}

/** The outbox row of a follow-up, in the same batch right after its message's insert: the job
 * names that message by its new row id. */
export function insertFollowUpOutboxStatement(db: D1Database, row: { id: string; reportId: string; now: string }): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO outbox (id, kind, payload, created_at, attempts, last_attempt_at)
       VALUES (?1, 'report.followup', json_object('type', 'report.followup', 'reportId', ?2, 'messageId', last_insert_rowid(), 'outboxId', ?1), ?3, 1, ?3)`,
    )
    .bind(row.id, row.reportId, row.now);
}

/** For the consumer of a job: the outbox row has reached its handler. Idempotent. */
export async function markOutboxDispatched(db: D1Database, outboxId: string, now: Date): Promise<void> {
  await db.prepare("UPDATE outbox SET dispatched_at = ?2 WHERE id = ?1 AND dispatched_at IS NULL").bind(outboxId, now.toISOString()).run();
}

export async function recordOutboxSendFailure(db: D1Database, outboxId: string, error: unknown): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  await db.prepare("UPDATE outbox SET last_error = ?2 WHERE id = ?1").bind(outboxId, message.slice(0, 500)).run();
}

/** Rows not yet dispatched whose last send is older than `sentBefore`, oldest first. The
 * caller decides, per row, whether its backoff has passed. */
export async function listUndispatchedOutbox(db: D1Database, sentBefore: string, limit: number): Promise<OutboxRow[]> {
  const { results } = await db
    .prepare(`SELECT * FROM outbox WHERE dispatched_at IS NULL AND (last_attempt_at IS NULL OR last_attempt_at < ?1) ORDER BY last_attempt_at LIMIT ?2`)
    .bind(sentBefore, limit)
    .all<OutboxRow>();
  return results;
}

/** Claims the one direct page by mail for a row that keeps not reaching the fan-out. */
export async function claimOutboxFallbackPage(db: D1Database, outboxId: string, now: string): Promise<boolean> {
  const res = await db.prepare("UPDATE outbox SET fallback_paged_at = ?2 WHERE id = ?1 AND fallback_paged_at IS NULL").bind(outboxId, now).run();
  return res.meta.changes === 1;
}

export async function recordOutboxAttempt(db: D1Database, outboxId: string, now: string, error: string | null): Promise<void> {
  await db
    .prepare("UPDATE outbox SET attempts = attempts + 1, last_attempt_at = ?2, last_error = ?3 WHERE id = ?1")
    .bind(outboxId, now, error)
    .run();
}

export async function countStuckOutbox(db: D1Database, minAttempts: number): Promise<number> {
  const row = await db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE dispatched_at IS NULL AND attempts >= ?1").bind(minAttempts).first<{ n: number }>();
  return row?.n ?? 0;
}

// ---- confirmation mails --------------------------------------------------------------------

/** Confirmations sent to an address, and caused by a client, since `since`. */
export async function countConfirmations(db: D1Database, addressHash: string, clientHash: string | null, since: string): Promise<{ address: number; client: number }> {
  const row = await db
    .prepare(
      `SELECT (SELECT COUNT(*) FROM confirmation_mails WHERE address_hash = ?1 AND sent_at >= ?3) AS address,
              (SELECT COUNT(*) FROM confirmation_mails WHERE ?2 IS NOT NULL AND client_hash = ?2 AND sent_at >= ?3) AS client`,
    )
    .bind(addressHash, clientHash, since)
    .first<{ address: number; client: number }>();
  return { address: row?.address ?? 0, client: row?.client ?? 0 };
}

export async function recordConfirmation(db: D1Database, addressHash: string, clientHash: string | null, now: string): Promise<void> {
  await db.prepare("INSERT INTO confirmation_mails (address_hash, client_hash, sent_at) VALUES (?1, ?2, ?3)").bind(addressHash, clientHash, now).run();
}

// ---- mail we sent about reports (threading) -------------------------------------------------
// A reply naming one of these Message-IDs (In-Reply-To, References) joins that report's thread
// (functions/email). Ids as the send_email binding returned them.

export type SentMailPurpose = "auto-reply" | "confirmation" | "staff-reply" | "status-confirmation";

export function recordSentMailStatement(db: D1Database, m: { messageId: string; reportId: string | null; purpose: SentMailPurpose; now: string }): D1PreparedStatement {
  return db
    .prepare("INSERT OR IGNORE INTO sent_mail (message_id, report_id, purpose, created_at) VALUES (?1, ?2, ?3, ?4)")
    .bind(m.messageId.slice(0, 998), m.reportId, m.purpose, m.now);
}

/** The reports that mail with these Message-IDs was about, most recent mail first. */
export async function findReportsBySentMessageIds(db: D1Database, messageIds: string[]): Promise<Report[]> {
  if (messageIds.length === 0) return [];
  const { results } = await db
    .prepare(
      `SELECT r.* FROM sent_mail s JOIN reports r ON r.id = s.report_id
       WHERE s.message_id IN (SELECT value FROM json_each(?1)) ORDER BY s.created_at DESC LIMIT 5`,
    )
    .bind(JSON.stringify(messageIds.slice(0, 50)))
    .all<ReportRow>();
  return results.map(toReport);
}

// ---- what the on-call fan-out reads and writes about reports --------------------------------
// The fan-out (functions/alerts/) sits above intake: it reads reports and links them to
// alerts through these statements only, so the reports table has one owner.

/** The first message of a report: its text as the reporter wrote it. */
export async function firstMessageBody(db: D1Database, reportId: string): Promise<string> {
  const row = await db.prepare("SELECT body FROM report_messages WHERE report_id = ?1 ORDER BY id LIMIT 1").bind(reportId).first<{ body: string }>();
  return row?.body ?? "";
}

/** Links a report to an alert, once (a report already linked keeps its alert). */
export function linkReportToAlertStatement(db: D1Database, reportId: string, alertId: string): D1PreparedStatement {
  return db.prepare("UPDATE reports SET alert_id = ?2 WHERE id = ?1 AND alert_id IS NULL").bind(reportId, alertId);
}

/** Every report of one alert moves to another (a merged alert's reports). */
export function moveAlertReportsStatement(db: D1Database, fromAlertId: string, toAlertId: string): D1PreparedStatement {
  return db.prepare("UPDATE reports SET alert_id = ?2 WHERE alert_id = ?1").bind(fromAlertId, toAlertId);
}

/** The reports of an alert follow it: acknowledged (new ones) or resolved (all open ones). */
export function closeAlertReportsStatement(db: D1Database, alertId: string, to: "acknowledged" | "resolved", by: string, now: string): D1PreparedStatement {
  return to === "acknowledged"
    ? db.prepare("UPDATE reports SET state = 'acknowledged', acknowledged_at = ?2, acknowledged_by = ?3 WHERE alert_id = ?1 AND state = 'new'").bind(alertId, now, by)
    : db
        .prepare("UPDATE reports SET state = 'resolved', resolved_at = ?2, acknowledged_at = COALESCE(acknowledged_at, ?2) WHERE alert_id = ?1 AND state != 'resolved'")
        .bind(alertId, now);
}

/**
 * A system line in the thread of each report of an alert that is about to follow the alert's
 * change (so it runs before closeAlertReportsStatement in the same batch). `changedAt` guards
 * it: the alert row must carry this instant, i.e. this very call changed the alert.
 */
export function alertNoteForReportsStatement(
  db: D1Database,
  alertId: string,
  to: "acknowledged" | "resolved",
  body: string,
  changedAt: string,
): D1PreparedStatement {
  const states = to === "acknowledged" ? "('new')" : "('new','acknowledged')";
  const column = to === "acknowledged" ? "acknowledged_at" : "resolved_at";
  return db
    .prepare(
      `INSERT INTO report_messages (report_id, author, author_name, body, created_at)
       SELECT id, 'system', NULL, ?2, ?3 FROM reports WHERE alert_id = ?1 AND state IN ${states}
         AND EXISTS (SELECT 1 FROM alerts WHERE id = ?1 AND ${column} = ?3)`,
    )
    .bind(alertId, body, changedAt);
}

/** A synthetic report (the path canary's) is closed once the fan-out checked it, so that no
 * later message from the canary's sender is taken for a follow-up of it. */
export async function closeSyntheticReport(db: D1Database, reportId: string, now: Date): Promise<void> {
  await db.prepare("UPDATE reports SET state = 'resolved', resolved_at = ?2 WHERE id = ?1 AND synthetic = 1 AND state != 'resolved'").bind(reportId, now.toISOString()).run();
}
