// Storage of inbound mail (migrations 0001 and 0008: inbound_emails, email_auto_replies). The
// raw mail itself is in R2 (files, kind 'raw-mail'); a row says what arrived and what became
// of it. A row in state 'received' is the email channel's outbox: the sweep processes it.

export type InboundState = "received" | "processed" | "failed" | "refused";
export type InboundKind =
  | "report"
  | "followup"
  | "ack"
  | "page-reply"
  | "bounce"
  | "delivery-report"
  | "auto-reply"
  | "loop"
  | "status-update"
  | "refused"
  | "failed";

export interface ForwardOutcome {
  to: string;
  ok: boolean;
  error?: string;
}

export interface InboundEmail {
  id: string;
  messageId: string;
  mailFrom: string;
  headerFrom: string | null;
  rcptTo: string;
  intakeAddress: string | null;
  subject: string | null;
  rawSize: number;
  rawFileId: string | null;
  state: InboundState;
  kind: InboundKind | null;
  reportId: string | null;
  forwards: ForwardOutcome[];
  detail: Record<string, unknown> | null;
  attempts: number;
  claimedAt: string | null;
  processedAt: string | null;
  error: string | null;
  receivedAt: string;
}

interface InboundRow {
  id: string;
  message_id: string;
  mail_from: string;
  header_from: string | null;
  rcpt_to: string;
  intake_address: string | null;
  subject: string | null;
  raw_size: number;
  raw_file_id: string | null;
  state: InboundState;
  kind: InboundKind | null;
  report_id: string | null;
  forwards: string | null;
  detail: string | null;
  attempts: number;
  claimed_at: string | null;
  processed_at: string | null;
  error: string | null;
  received_at: string;
}

function json<T>(text: string | null, fallback: T): T {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function toInbound(r: InboundRow): InboundEmail {
  return {
    id: r.id,
    messageId: r.message_id,
    mailFrom: r.mail_from,
    headerFrom: r.header_from,
    rcptTo: r.rcpt_to,
    intakeAddress: r.intake_address,
    subject: r.subject,
    rawSize: r.raw_size,
    rawFileId: r.raw_file_id,
    state: r.state,
    kind: r.kind,
    reportId: r.report_id,
    forwards: json<ForwardOutcome[]>(r.forwards, []),
    detail: json<Record<string, unknown> | null>(r.detail, null),
    attempts: r.attempts,
    claimedAt: r.claimed_at,
    processedAt: r.processed_at,
    error: r.error,
    receivedAt: r.received_at,
  };
}

// Columns of the row, without the legacy `raw` text.
const COLUMNS = `id, message_id, mail_from, header_from, rcpt_to, intake_address, subject, raw_size, raw_file_id, state, kind, report_id,
  forwards, detail, attempts, claimed_at, processed_at, error, received_at`;

export interface NewInbound {
  id: string;
  messageId: string;
  mailFrom: string;
  headerFrom: string | null;
  rcptTo: string;
  intakeAddress: string;
  subject: string | null;
  rawSize: number;
  rawFileId: string | null;
  forwards: ForwardOutcome[];
  state?: InboundState;
  kind?: InboundKind | null;
  error?: string | null;
  receivedAt: string;
}

/** Records a received mail once: a repeated delivery of the same Message-ID changes nothing,
 * except that it fills in the raw file when the first delivery could not store it. */
export function insertInboundStatement(db: D1Database, m: NewInbound): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO inbound_emails (id, message_id, mail_from, header_from, rcpt_to, intake_address, subject, raw_size, raw_file_id, forwards,
         state, kind, error, received_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
       ON CONFLICT (message_id) DO UPDATE SET raw_file_id = COALESCE(inbound_emails.raw_file_id, excluded.raw_file_id)`,
    )
    .bind(
      m.id,
      m.messageId,
      m.mailFrom,
      m.headerFrom,
      m.rcptTo,
      m.intakeAddress,
      m.subject,
      m.rawSize,
      m.rawFileId,
      JSON.stringify(m.forwards),
      m.state ?? "received",
      m.kind ?? null,
      m.error ?? null,
      m.receivedAt,
    );
}

export function findInboundByMessageIdStatement(db: D1Database, messageId: string): D1PreparedStatement {
  return db.prepare(`SELECT ${COLUMNS} FROM inbound_emails WHERE message_id = ?1`).bind(messageId);
}

export async function findInbound(db: D1Database, id: string): Promise<InboundEmail | null> {
  const row = await db.prepare(`SELECT ${COLUMNS} FROM inbound_emails WHERE id = ?1`).bind(id).first<InboundRow>();
  return row ? toInbound(row) : null;
}

export function rowToInbound(row: Record<string, unknown> | null | undefined): InboundEmail | null {
  return row ? toInbound(row as unknown as InboundRow) : null;
}

/**
 * Takes a received mail for processing: one processor at a time (a lease that goes stale after
 * `staleBefore`), each attempt counted. False when someone else holds it or it is done.
 */
export async function claimInbound(db: D1Database, id: string, now: string, staleBefore: string): Promise<boolean> {
  const res = await db
    .prepare(
      `UPDATE inbound_emails SET attempts = attempts + 1, claimed_at = ?2
       WHERE id = ?1 AND state = 'received' AND (claimed_at IS NULL OR claimed_at < ?3)`,
    )
    .bind(id, now, staleBefore)
    .run();
  return (res.meta.changes ?? 0) === 1;
}

export interface InboundFinish {
  state: InboundState;
  kind: InboundKind;
  reportId?: string | null;
  subject?: string | null;
  detail?: Record<string, unknown>;
  error?: string | null;
  now: string;
}

export async function finishInbound(db: D1Database, id: string, o: InboundFinish): Promise<void> {
  await finishInboundStatement(db, id, o).run();
}

export function finishInboundStatement(db: D1Database, id: string, o: InboundFinish): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE inbound_emails SET state = ?2, kind = ?3, report_id = COALESCE(?4, report_id), subject = COALESCE(?5, subject), detail = ?6,
         error = ?7, processed_at = ?8, claimed_at = NULL WHERE id = ?1`,
    )
    .bind(id, o.state, o.kind, o.reportId ?? null, o.subject ?? null, o.detail ? JSON.stringify(o.detail) : null, o.error ?? null, o.now);
}

/** Processing failed this time: the lease is given back and the sweep tries again. */
export async function releaseInbound(db: D1Database, id: string, error: string): Promise<void> {
  await db.prepare("UPDATE inbound_emails SET claimed_at = NULL, error = ?2 WHERE id = ?1 AND state = 'received'").bind(id, error.slice(0, 1000)).run();
}

/** Received mail nobody processed (a failed attempt, a crash, storage down at the time). */
export async function listInboundToRetry(db: D1Database, o: { receivedBefore: string; staleBefore: string; maxAttempts: number; limit: number }): Promise<InboundEmail[]> {
  const { results } = await db
    .prepare(
      `SELECT ${COLUMNS} FROM inbound_emails
       WHERE state = 'received' AND raw_file_id IS NOT NULL AND received_at < ?1 AND (claimed_at IS NULL OR claimed_at < ?2) AND attempts < ?3
       ORDER BY received_at LIMIT ?4`,
    )
    .bind(o.receivedBefore, o.staleBefore, o.maxAttempts, o.limit)
    .all<InboundRow>();
  return results.map(toInbound);
}

/** Received mail that will not be processed: attempts spent, or no raw mail stored and the
 * sender's retry never came. Someone must hear of them. */
export async function listInboundGivenUp(db: D1Database, o: { staleBefore: string; maxAttempts: number; noRawBefore: string; limit: number }): Promise<InboundEmail[]> {
  const { results } = await db
    .prepare(
      `SELECT ${COLUMNS} FROM inbound_emails
       WHERE state = 'received' AND (claimed_at IS NULL OR claimed_at < ?1) AND (attempts >= ?2 OR (raw_file_id IS NULL AND received_at < ?3))
       ORDER BY received_at LIMIT ?4`,
    )
    .bind(o.staleBefore, o.maxAttempts, o.noRawBefore, o.limit)
    .all<InboundRow>();
  return results.map(toInbound);
}

/** Rows stored before raw mail moved to R2 (schema v8): their text is still in `raw`. */
export async function listLegacyRaw(db: D1Database, limit: number): Promise<Array<{ id: string; messageId: string; raw: string; receivedAt: string }>> {
  const { results } = await db
    .prepare("SELECT id, message_id, raw, received_at FROM inbound_emails WHERE raw IS NOT NULL LIMIT ?1")
    .bind(limit)
    .all<{ id: string; message_id: string; raw: string; received_at: string }>();
  return results.map((r) => ({ id: r.id, messageId: r.message_id, raw: r.raw, receivedAt: r.received_at }));
}

export function moveLegacyRawStatement(db: D1Database, id: string, fileId: string): D1PreparedStatement {
  return db.prepare("UPDATE inbound_emails SET raw = NULL, raw_file_id = ?2 WHERE id = ?1").bind(id, fileId);
}

export interface InboundFilter {
  kind?: InboundKind;
  state?: InboundState;
  /** Only mail received before this time. */
  before?: string;
  /** The page after this one (the last row of the previous page): mail received in the same
   * millisecond is neither skipped nor repeated. */
  after?: { receivedAt: string; id: string };
  limit: number;
}

/** Newest first, for staff. */
export async function listInbound(db: D1Database, f: InboundFilter): Promise<InboundEmail[]> {
  const { results } = await db
    .prepare(
      `SELECT ${COLUMNS} FROM inbound_emails
       WHERE (?1 IS NULL OR kind = ?1) AND (?2 IS NULL OR state = ?2) AND (?3 IS NULL OR received_at < ?3)
         AND (?4 IS NULL OR received_at < ?4 OR (received_at = ?4 AND id < ?5))
       ORDER BY received_at DESC, id DESC LIMIT ?6`,
    )
    .bind(f.kind ?? null, f.state ?? null, f.before ?? null, f.after?.receivedAt ?? null, f.after?.id ?? "", f.limit)
    .all<InboundRow>();
  return results.map(toInbound);
}

/**
 * Claims the one auto-reply a sender may get in a window: a conditional upsert, so of many
 * mails arriving at once exactly one wins. True when this mail may be answered.
 */
export async function claimAutoReply(db: D1Database, addressHash: string, now: string, windowStart: string): Promise<boolean> {
  const res = await db
    .prepare(
      `INSERT INTO email_auto_replies (address_hash, last_sent_at) VALUES (?1, ?2)
       ON CONFLICT (address_hash) DO UPDATE SET last_sent_at = excluded.last_sent_at WHERE email_auto_replies.last_sent_at < ?3`,
    )
    .bind(addressHash, now, windowStart)
    .run();
  return (res.meta.changes ?? 0) === 1;
}
