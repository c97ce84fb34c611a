// What a stored mail becomes. In order:
//   1. to a `status` address: a staff update (or a refusal with the reason);
//   2. machine mail: a bounce fails over the page it bounced, a delivery report or our own mail
//      coming back is kept and nothing more, never a report;
//   3. a reply to a page mail: "ack" acknowledges, anything else goes into the alert's timeline;
//   4. an automatic reply (out of office): kept, shown in the thread it answers, never answered;
//   5. a reply in a report's thread (threading.pure.ts): a follow-up that notifies on-call;
//   6. anything else: a new report (voicemail recognised), answered once per sender per window.
// Called by the email handler while the email event runs (so it can reply() and setReject())
// and by the sweep for mail that could not be processed then. Idempotent through the inbound
// row's state and the report's channel message id.
import { acknowledgeByEmailReply, notePageReply } from "../alerts/email-reply";
import { normalizeText, reportLimits } from "../../contract/reports";
import type { Services } from "../platform/services";
import { addFollowUp } from "../reports/followup";
import { attachFilesStatement } from "../files/queries";
import { findReportByReference, findReportsBySentMessageIds, insertMessageStatement, type Report } from "../reports/queries";
import { baseAddress, intakeEntryFor, ownAddresses } from "./addresses.pure";
import { sendAutoReply } from "./auto-reply";
import { handleBounce } from "./bounces";
import { autoReplyRefusal, classifyMail, type Classification, type MailFacts } from "./classify.pure";
import { FORWARDED_HEADER } from "./forward";
import { firstHeader } from "./headers.pure";
import { parseMail, type ParsedMail } from "./parse";
import type { InboundEmail, InboundKind } from "./queries";
import { splitFreshText } from "./quotes.pure";
import { attachmentLines, fileMailReport, storeAttachments } from "./report";
import { checkStaffSender, confirmStaffUpdate, postStaffUpdate } from "./staff-updates";
import { referencedMessageIds, referencesInSubject } from "./threading.pure";

export type EmailServices = Pick<Services, "db" | "files" | "queue" | "mail" | "config" | "defer">;

export interface ProcessOutcome {
  kind: InboundKind;
  reportId: string | null;
  subject: string;
  /** Refuse the mail with this reason (only possible while the email event runs). */
  reject?: string;
  detail: Record<string, unknown>;
  /** Written in one batch with the inbound row's final state. */
  statements: D1PreparedStatement[];
}

export interface ProcessContext {
  /** The mail as the email event has it: present inline, absent in the sweep. */
  message?: ForwardableEmailMessage;
  now: Date;
}

/** The report a reply belongs to: by the Message-IDs it answers, or by a reference in its
 * subject when it comes from that report's own reporter. Null for anything else. */
export async function threadOf(db: D1Database, mail: Pick<ParsedMail, "inReplyTo" | "references" | "subject">, from: string): Promise<{ report: Report; by: string } | null> {
  const [byId] = await findReportsBySentMessageIds(db, referencedMessageIds(mail.inReplyTo, mail.references));
  if (byId) return { report: byId, by: "message-id" };
  for (const reference of referencesInSubject(mail.subject)) {
    const report = await findReportByReference(db, reference);
    if (report?.reporter.email && baseAddress(report.reporter.email) === baseAddress(from)) return { report, by: "reference and reporter address" };
  }
  return null;
}

export async function processInbound(svc: EmailServices, row: InboundEmail, raw: Uint8Array, ctx: ProcessContext): Promise<ProcessOutcome> {
  const { now } = ctx;
  const mail = await parseMail(raw);
  const entries = svc.config.email.intake.entries;
  const { entry } = intakeEntryFor(entries, row.rcptTo);
  const from = mail.from.address || row.headerFrom || row.mailFrom;
  const facts: MailFacts = {
    headers: mail.headers,
    envelopeFrom: row.mailFrom,
    headerFrom: from,
    subject: mail.subject,
    contentType: mail.contentType,
    own: ownAddresses(entries, svc.config.mailFrom),
  };
  let c: Classification = classifyMail(facts);
  if (!c.machine && firstHeader(mail.headers, FORWARDED_HEADER.toLowerCase()) !== null) c = { machine: "loop", bulk: false, reason: "a copy we forwarded came back" };
  const subject = normalizeText(mail.subject).slice(0, 998);
  const detail: Record<string, unknown> = { class: c.machine ?? (c.bulk ? "bulk" : "person"), ...(c.reason ? { reason: c.reason } : {}) };
  if (mail.parseError) detail.parse_error = mail.parseError.slice(0, 300);
  const done = (kind: InboundKind, reportId: string | null, extra: Record<string, unknown> = {}, reject?: string, statements: D1PreparedStatement[] = []): ProcessOutcome => ({
    kind,
    reportId,
    subject,
    detail: { ...detail, ...extra },
    statements,
    ...(reject ? { reject } : {}),
  });

  if (entry.purpose === "status") {
    const sender = checkStaffSender(entry, mail.headers, row.mailFrom, svc.config.email.authservIds);
    if (!sender.ok) return done("refused", null, { refused: sender.reason }, sender.reason);
    // A staff mailbox's out-of-office answering our confirmation: kept, never refused or posted.
    if (c.machine) return done(c.machine, null);
    const posted = await postStaffUpdate(svc, sender.from, mail.subject, mail.text, now);
    if (!posted.ok) return done("refused", null, { refused: posted.reason }, posted.reason);
    svc.defer(confirmStaffUpdate(svc, sender.from, baseAddress(row.rcptTo), posted, now));
    return done("status-update", null, { incident: posted.incidentId, created: posted.created, status: posted.status });
  }

  if (c.machine === "bounce" || c.machine === "delivery-report") {
    const bounce = await handleBounce(svc, mail, now);
    return done(c.machine, null, { bounce });
  }
  if (c.machine === "loop") return done("loop", null);

  const messageIds = referencedMessageIds(mail.inReplyTo, mail.references);
  if (!c.machine) {
    const ack = await acknowledgeByEmailReply(svc, { from, subject: mail.subject, text: mail.text }, now);
    if (ack) return done("ack", null, { alert: ack.alert.id, changed: ack.changed });
  }
  const pageReply = await notePageReply(svc, { messageIds, from, text: mail.text, automatic: c.machine === "auto-reply" }, now);
  if (pageReply) return done("page-reply", null, { alert: pageReply.alertId });

  const thread = await threadOf(svc.db, mail, from);
  if (c.machine === "auto-reply") {
    // Kept and shown where it belongs; an automatic reply is never answered and pages nobody.
    if (thread) {
      const text = normalizeText(splitFreshText(mail.text.slice(0, 20_000)).fresh, { multiline: true }).slice(0, 1000);
      await svc.db.batch([
        insertMessageStatement(svc.db, {
          reportId: thread.report.id,
          author: "system",
          authorName: null,
          body: `Automatic reply from ${from} (${c.reason}):${text ? `\n\n${text}` : " (no text)"}`,
          createdAt: now.toISOString(),
        }),
      ]);
    }
    return done("auto-reply", thread?.report.id ?? null, thread ? { thread: thread.report.reference } : {});
  }

  if (thread && thread.report.state !== "resolved") {
    const attachments = await storeAttachments(svc, row, mail, now);
    const fileIds = [...attachments.files.map((f) => f.id), ...(row.rawFileId ? [row.rawFileId] : [])];
    const fresh = normalizeText(splitFreshText(mail.text.slice(0, 200_000)).fresh, { multiline: true });
    const body = [fresh || "(The reply has no text.)", ...attachmentLines(attachments.files, attachments.failed)].join("\n").slice(0, reportLimits.message);
    await addFollowUp(svc, thread.report, body, now);
    return done("followup", thread.report.id, { thread: thread.report.reference, by: thread.by }, undefined, attachFilesStatement(svc.db, fileIds, thread.report.id));
  }

  const note = thread ? `(A reply to ${thread.report.reference}, which is resolved: filed as a new report.)` : null;
  const filed = await fileMailReport(svc, row, mail, entry, now, note);
  const extra: Record<string, unknown> = { reference: filed.result.report.reference, created: filed.result.created, voicemail: filed.voicemail };
  const statements = [...filed.statements];
  if (filed.result.duplicateOf) extra.duplicate_of = filed.result.duplicateOf.reference;
  if (filed.result.created) {
    const refusal = filed.result.report.synthetic
      ? "a synthetic report of the path canary"
      : !entry.autoReply
        ? "auto-replies are off for this address"
        : autoReplyRefusal(facts, c);
    if (refusal) extra.auto_reply = { sent: false, note: refusal };
    else {
      const { record, ...reply } = await sendAutoReply(svc, {
        ...(ctx.message ? { message: ctx.message } : {}),
        entry,
        rcptTo: row.rcptTo,
        envelopeFrom: row.mailFrom,
        headers: mail.headers,
        incomingMessageId: mail.messageId,
        incomingReferences: mail.references,
        report: filed.result.report,
        viewUrl: filed.result.viewUrl,
        now,
      });
      extra.auto_reply = reply;
      if (record) statements.push(record);
    }
  }
  return done("report", filed.result.report.id, extra, undefined, statements);
}
