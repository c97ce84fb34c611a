// The one intake function: every channel (web form, JSON API, email, X, SMS) turns its input
// into a NewReport and calls `intakeReport`. Validate -> one D1 batch (report + first message
// + outbox row) -> fan-out queue -> the caller answers with the reference. "Received" is said
// only after the batch succeeded.
import type { Job } from "../../contract/jobs";
import { NewReport, type NewReportInput } from "../../contract/reports";
import { CANARY_MARKER, checkSuccessStatement, claimProbeStatement, openProbeStatement, rowToProbe } from "../assurance/queries";
import { parseWith } from "../platform/body";
import { sha256Hex } from "../platform/crypto";
import { ApiError } from "../platform/errors";
import type { Services } from "../platform/services";
import { confirmationMail, fallbackPageMail, sendMail } from "./mail";
import { protections } from "./abuse";
import {
  componentExistsStatement,
  duplicateNoteStatement,
  countConfirmations,
  duplicateOfStatement,
  findReportByChannelMessageStatement,
  findReportByIdempotencyKeyStatement,
  firstRows,
  insertMessageStatement,
  insertOutboxStatement,
  insertReportStatement,
  knownIncidentExistsStatement,
  recordConfirmation,
  recordOutboxSendFailure,
  rowToReport,
  type Report,
} from "./queries";
import { hashViewToken, newReference, privateViewUrl, viewTokenFor } from "./reference";

/** Identical text from the same reporter within this window is stored but not paged again. */
export const DUPLICATE_WINDOW_MINUTES = 10;
/** Attempts at a fresh reference when one collides (40 random bits: practically never). */
const REFERENCE_ATTEMPTS = 4;

export interface IntakeResult {
  report: Report;
  /** False when an idempotent replay found the existing report. */
  created: boolean;
  /** The earlier report with the same text when this one was stored as a duplicate. */
  duplicateOf: { id: string; reference: string } | null;
  /** The reporter's private link (null only when it cannot be derived, see viewTokenFor). */
  viewUrl: string | null;
}

export interface IntakeOptions {
  now?: Date;
  /** False when the channel answers the reporter itself (email sends an RFC 3834 auto-reply
   * in the same thread instead of a second, separate confirmation). */
  confirmation?: boolean;
}

/** What intake uses: storage, the fan-out queue, mail (confirmations, the direct page when
 * storage fails), settings, and deferral of the confirmation mail past the answer. */
export type IntakeServices = Pick<Services, "db" | "queue" | "mail" | "config" | "defer">;

/** D1 could not record the report. `paged` says whether the direct page by mail went out. */
export class IntakeUnavailableError extends Error {
  constructor(
    readonly report: NewReport,
    readonly paged: boolean,
    cause: unknown,
  ) {
    super(`the report could not be stored: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = "IntakeUnavailableError";
  }
}

/** Who "the same reporter" is: their email, else phone, else X or other social handle, else client. */
export function reporterKeyOf(r: NewReport): string | null {
  if (r.reporter.email) return `email:${r.reporter.email.toLowerCase()}`;
  if (r.reporter.phone) return `phone:${r.reporter.phone.replace(/\D/g, "")}`;
  if (r.reporter.xHandle) return `x:${r.reporter.xHandle.toLowerCase()}`;
  if (r.reporter.socialHandle) return `${r.channel}:${r.reporter.socialHandle.toLowerCase()}`;
  if (r.meta.clientHash) return `client:${r.meta.clientHash}`;
  return null;
}

export function textHashOf(r: Pick<NewReport, "subject" | "message">): Promise<string> {
  return sha256Hex(`${r.subject}\n${r.message}`);
}

/** Every field a reporter chose: a key reused with any of them different is another report. */
export function submissionHashOf(r: NewReport): Promise<string> {
  const { name, email, phone, xHandle, socialHandle } = r.reporter;
  return sha256Hex(JSON.stringify([r.channel, r.urgency, name, email, phone, xHandle, socialHandle, r.subject, r.message, r.componentId, r.incidentId]));
}

/**
 * An Idempotency-Key belongs to the client that sent it (by its hashed address): the same key
 * from someone else is a different key, so it can neither replay another reporter's answer
 * (with its private link) nor, claimed first by an attacker, block a genuine report.
 */
export function scopedIdempotencyKey(key: string, clientHash: string | null): Promise<string> {
  return sha256Hex(`idempotency-key\n${clientHash ?? "no-client-address"}\n${key}`);
}

function isUniqueViolation(err: unknown, column: string): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return /UNIQUE constraint failed/i.test(message) && message.includes(column);
}

export async function intakeReport(svc: IntakeServices, input: NewReportInput, opts: IntakeOptions = {}): Promise<IntakeResult> {
  const now = opts.now ?? new Date();
  const report = parseWith(NewReport, input);
  const textHash = await textHashOf(report);
  const submissionHash = await submissionHashOf(report);
  const reporterKey = reporterKeyOf(report);
  const idempotencyKey = report.idempotencyKey ? await scopedIdempotencyKey(report.idempotencyKey, report.meta.clientHash) : null;
  const db = svc.db;

  // Replays, the component and the known incident need a look first (one round trip, and only
  // when there is something to look up). Duplicates are found inside the write batch itself.
  const replayLookups = [
    report.channelMessageId ? findReportByChannelMessageStatement(db, report.channel, report.channelMessageId) : null,
    idempotencyKey ? findReportByIdempotencyKeyStatement(db, report.channel, idempotencyKey) : null,
  ].filter((s): s is D1PreparedStatement => s !== null);
  const componentLookup = report.componentId ? componentExistsStatement(db, report.componentId) : null;
  const incidentLookup = report.incidentId ? knownIncidentExistsStatement(db, report.incidentId) : null;
  // A synthetic report from the path canary carries its probe's id in its text (or, for a
  // missed call, is known by its call id): looked up only then, in the same round trip.
  const marker = CANARY_MARKER.exec(`${report.subject}\n${report.message}`)?.[1] ?? null;
  const probeLookup = marker || (report.channel === "phone" && report.channelMessageId) ? openProbeStatement(db, marker, report.channel === "phone" ? report.channelMessageId : null, now.toISOString()) : null;
  const lookups = [...replayLookups, ...(componentLookup ? [componentLookup] : []), ...(incidentLookup ? [incidentLookup] : []), ...(probeLookup ? [probeLookup] : [])];
  let probeId: string | null = null;
  if (lookups.length > 0) {
    let rows: Array<Record<string, unknown> | null>;
    try {
      rows = await firstRows(db, lookups);
    } catch (err) {
      throw await unavailable(svc, report, now, err);
    }
    const replay = rows.slice(0, replayLookups.length).map(rowToReport).find((r) => r !== null);
    if (replay) return await replayResult(svc, replay, { idempotencyKey, submissionHash });
    let next = replayLookups.length;
    if (componentLookup && !rows[next++]) {
      throw new ApiError("validation_failed", "component: Choose a component from the list.", {
        fields: { component: "Choose a component from the list." },
      });
    }
    if (incidentLookup && !rows[next++]) {
      const message = 'That problem is no longer open. Choose "Something else" and describe what you see.';
      throw new ApiError("validation_failed", `incident: ${message}`, { fields: { incident: message } });
    }
    if (probeLookup) probeId = rowToProbe(rows[next++] ?? null)?.id ?? null;
  }

  const suppressDuplicates = protections(svc.config).has("duplicates") && reporterKey !== null;
  const since = new Date(now.getTime() - DUPLICATE_WINDOW_MINUTES * 60_000).toISOString();
  for (let attempt = 1; ; attempt++) {
    const id = crypto.randomUUID();
    const token = await viewTokenFor(id, svc.config.hashSalt);
    const stored: Report = {
      id,
      reference: newReference(),
      viewTokenHash: await hashViewToken(token),
      channel: report.channel,
      channelMessageId: report.channelMessageId,
      idempotencyKey,
      submissionHash,
      state: "new",
      urgency: report.urgency,
      subject: report.subject,
      reporter: report.reporter,
      componentId: report.componentId,
      incidentId: report.incidentId,
      clientHash: report.meta.clientHash,
      userAgent: report.meta.userAgent,
      reporterKey,
      textHash,
      duplicateOf: null,
      alertId: null,
      createdAt: now.toISOString(),
      acknowledgedAt: null,
      acknowledgedBy: null,
      resolvedAt: null,
      synthetic: probeId !== null,
    };
    const outboxId = crypto.randomUUID();
    const job: Job = { type: "report.received", reportId: id, outboxId };
    // One batch, one transaction: the report (its duplicate_of found by a subquery), its
    // first message, a note when it is a duplicate, the outbox row, the assurance mark, and
    // a read-back of what the duplicate check decided.
    const statements = [
      insertReportStatement(db, stored, suppressDuplicates ? { since } : null),
      insertMessageStatement(db, { reportId: id, author: "reporter", authorName: report.reporter.name, body: report.message, createdAt: stored.createdAt }),
      duplicateNoteStatement(db, id, `within ${DUPLICATE_WINDOW_MINUTES} minutes`, stored.createdAt),
      insertOutboxStatement(db, { id: outboxId, kind: job.type, payload: job, now: stored.createdAt }),
      // Each accepted report proves its intake path works (GET /api/admin/assurance).
      checkSuccessStatement(db, `intake:${report.channel}`, now),
      ...(probeId ? [claimProbeStatement(db, probeId, id)] : []),
      duplicateOfStatement(db, id),
    ];
    let duplicateOf: { id: string; reference: string } | null;
    try {
      const results = await db.batch<{ id: string; reference: string }>(statements);
      duplicateOf = results.at(-1)?.results[0] ?? null;
    } catch (err) {
      if (isUniqueViolation(err, "reports.reference") && attempt < REFERENCE_ATTEMPTS) continue;
      if (isUniqueViolation(err, "reports.channel")) {
        // A concurrent request with the same id won the race: answer with its report.
        const winner = (await firstRows(db, replayLookups).catch(() => [])).map(rowToReport).find((r) => r !== null);
        if (winner) return await replayResult(svc, winner, { idempotencyKey, submissionHash });
      }
      throw await unavailable(svc, report, now, err);
    }
    stored.duplicateOf = duplicateOf?.id ?? null;

    // A duplicate is sent too: the fan-out sees reports.duplicate_of and pages nobody for it.
    // Dispatched: the fan-out runs in this invocation after the answer (the page leaves within
    // a second), with the queued copy and the outbox as the safety nets.
    try {
      await svc.queue.dispatch(job);
    } catch (err) {
      // Stored and in the outbox: the cron sweep sends it again within a minute or two.
      console.error(`intake: queue send failed for ${stored.reference}; the outbox sweep will retry`, err);
      await recordOutboxSendFailure(db, outboxId, err).catch((e: unknown) => console.error("intake: could not record the send failure", e));
    }

    const viewUrl = svc.config.hashSalt ? privateViewUrl(svc.config.publicUrl, stored.reference, token) : null;
    // A synthetic report's reporter is the canary itself: nobody to confirm to.
    if (stored.reporter.email && opts.confirmation !== false && !stored.synthetic) svc.defer(sendConfirmation(svc, stored, viewUrl, now));
    return { report: stored, created: true, duplicateOf, viewUrl };
  }
}

/**
 * The reporter's confirmation: the reference and the private link, and nothing the sender
 * wrote (no name, no subject), so that the form is useless as a spam relay; and at most a few
 * per address and per client an hour. Over the limit the report is stored and paged as usual,
 * only not confirmed again by mail (the page and the API answer carry the reference).
 */
async function sendConfirmation(svc: IntakeServices, report: Report, viewUrl: string | null, now: Date): Promise<void> {
  const address = report.reporter.email!.toLowerCase();
  const addressHash = await sha256Hex(`confirmation-address\n${address}`);
  const since = new Date(now.getTime() - 3_600_000).toISOString();
  const sent = await countConfirmations(svc.db, addressHash, report.clientHash, since);
  const limits = svc.config.confirmations;
  if (sent.address >= limits.perAddressPerHour || sent.client >= limits.perClientPerHour) {
    console.warn(`intake: no confirmation mail for ${report.reference}: ${sent.address >= limits.perAddressPerHour ? "address" : "client"} over its hourly limit`);
    return;
  }
  await recordConfirmation(svc.db, addressHash, report.clientHash, now.toISOString());
  const delivered = await sendMail(svc, [report.reporter.email!], confirmationMail(report, viewUrl, svc.config.publicUrl, svc.config.mirrorUrl), { reportId: report.id, purpose: "confirmation" });
  if (delivered === 0) console.error(`intake: confirmation mail for ${report.reference} was not sent`);
}

/** An idempotent replay: the same report again, unless the key was reused for another
 * submission (any field different): then 409, as the IETF Idempotency-Key draft says. */
async function replayResult(svc: IntakeServices, existing: Report, mine: { idempotencyKey: string | null; submissionHash: string }): Promise<IntakeResult> {
  if (mine.idempotencyKey && existing.idempotencyKey === mine.idempotencyKey && existing.submissionHash !== mine.submissionHash) {
    throw new ApiError("conflict", "This Idempotency-Key was already used for a different report. Use a new key for a new report.");
  }
  let viewUrl: string | null = null;
  if (svc.config.hashSalt) {
    const token = await viewTokenFor(existing.id, svc.config.hashSalt);
    // After a HASH_SALT rotation the derived token no longer matches: no link then.
    if ((await hashViewToken(token)) === existing.viewTokenHash) viewUrl = privateViewUrl(svc.config.publicUrl, existing.reference, token);
  }
  return { report: existing, created: false, duplicateOf: null, viewUrl };
}

/** D1 failed: page on-call directly by mail with the report's text, then report the failure. */
async function unavailable(svc: IntakeServices, report: NewReport, now: Date, cause: unknown): Promise<IntakeUnavailableError> {
  console.error("intake: D1 unavailable, paging on-call directly", cause);
  let paged = false;
  const to = svc.config.fallbackPageTo;
  if (to.length > 0) {
    try {
      paged = (await sendMail(svc, to, fallbackPageMail(report, now, cause instanceof Error ? cause.message : String(cause)))) > 0;
    } catch (err) {
      console.error("intake: the direct page failed too", err);
    }
  } else {
    console.error("intake: FALLBACK_PAGE_TO is empty: nobody can be paged directly");
  }
  return new IntakeUnavailableError(report, paged, cause);
}
