// A customer's mail as a report, through the one intake function: the sender and subject, the
// text with quoted history and signature trimmed for the page (the whole text stays in the
// thread, the raw mail in R2), the attachments in R2 listed on the report, and voicemail
// recognised: "Voicemail from +31 20 123 4567, 0:42" with a signed, expiring link to the audio.
import type { EmailIntakeEntry } from "../../contract/email-intake";
import { normalizeText, reportLimits, type NewReportInput } from "../../contract/reports";
import { attachFilesStatement, insertFileStatement, type StoredFile } from "../files/queries";
import { signedFileUrl, storeFileBytes } from "../files/store";
import { ApiError } from "../platform/errors";
import type { Services } from "../platform/services";
import { intakeReport, type IntakeResult } from "../reports/intake";
import { insertMessageStatement } from "../reports/queries";
import { fileIdFor } from "./store";
import type { ParsedMail } from "./parse";
import type { InboundEmail } from "./queries";
import { splitFreshText } from "./quotes.pure";
import { callerOf, formatDuration, isAudio, recordingDuration, voicemailTitle, type Duration } from "./voicemail.pure";

export type EmailReportServices = Pick<Services, "db" | "files" | "queue" | "mail" | "config" | "defer">;

/** The page shows the first part of the text: this much is trimmed text, the rest is in the thread. */
const PAGE_TEXT_CHARS = 8_000;
/** Text read for the trimming (a 20 MB body is in R2; the page needs its start). */
const SCAN_CHARS = 200_000;

const plausibleEmail = /^[^\s@<>()[\]\\,;:"]{1,64}@[a-z0-9.-]{1,253}\.[a-z]{2,63}$/i;

export interface StoredAttachments {
  files: StoredFile[];
  recording: { file: StoredFile; duration: Duration | null; caller: ReturnType<typeof callerOf> } | null;
  failed: string[];
}

function kb(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/** Stores each attachment in R2 (ids derived from the mail, so a retry stores them once) and
 * records them; the first audio attachment is the voicemail recording. */
export async function storeAttachments(svc: Pick<Services, "db" | "files">, row: InboundEmail, mail: ParsedMail, now: Date): Promise<StoredAttachments> {
  const out: StoredAttachments = { files: [], recording: null, failed: [] };
  const audio = mail.attachments.find((a) => isAudio(a)) ?? null;
  for (const [i, a] of mail.attachments.entries()) {
    try {
      const isRecording = a === audio;
      const duration = isRecording ? recordingDuration(a.bytes, a, mail.text) : null;
      const caller = isRecording ? callerOf(mail.subject, mail.text) : null;
      const file = await storeFileBytes(svc.files, {
        kind: isRecording ? "recording" : "attachment",
        id: await fileIdFor("attachment", `${row.messageId}\n${i}`),
        name: a.filename,
        contentType: a.contentType,
        bytes: a.bytes,
        now,
        ...(isRecording
          ? { detail: { duration_seconds: duration ? Math.round(duration.seconds * 10) / 10 : null, duration_estimated: duration?.estimated ?? null, duration_source: duration?.source ?? null, caller: caller?.number ?? null } }
          : {}),
      });
      out.files.push(file);
      if (isRecording) out.recording = { file, duration, caller: caller! };
    } catch (err) {
      out.failed.push(`${a.filename ?? "attachment"}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (out.files.length > 0) await svc.db.batch(out.files.map((f) => insertFileStatement(svc.db, f, { ifNew: true })));
  return out;
}

export function attachmentLines(files: StoredFile[], failed: string[]): string[] {
  if (files.length === 0 && failed.length === 0) return [];
  return [
    "",
    "Attachments:",
    ...files.map((f) => `- ${f.name} (${f.contentType}, ${kb(f.size)})`),
    ...failed.map((f) => `- ${f.slice(0, 200)} (not stored)`),
  ];
}

function reporterOf(mail: ParsedMail, row: InboundEmail, phone: string | null): NewReportInput["reporter"] {
  const candidates = [mail.from.address, row.headerFrom ?? "", mail.replyTo ?? "", row.mailFrom].map((a) => a.trim().toLowerCase());
  const email = candidates.find((a) => plausibleEmail.test(a) && a.length <= reportLimits.email) ?? null;
  const name = mail.from.name ? normalizeText(mail.from.name).slice(0, reportLimits.name) : null;
  return { name, email, phone };
}

function subjectOf(mail: ParsedMail): string {
  const s = normalizeText(mail.subject);
  if (s.length >= reportLimits.subjectMin) return s.length > reportLimits.subject ? `${s.slice(0, reportLimits.subject - 1)}…` : s;
  return s ? `Mail: ${s}` : "(mail without a subject)";
}

export interface MailReport {
  result: IntakeResult;
  attachments: StoredAttachments;
  voicemail: boolean;
  /** Left for the caller's closing batch: the files attached to the report, the whole text. */
  statements: D1PreparedStatement[];
}

/** Files the report; throws what intake throws (IntakeUnavailableError when D1 is down). */
export async function fileMailReport(svc: EmailReportServices, row: InboundEmail, mail: ParsedMail, entry: EmailIntakeEntry, now: Date, note: string | null = null): Promise<MailReport> {
  const attachments = await storeAttachments(svc, row, mail, now);
  const rec = attachments.recording;
  const split = splitFreshText(mail.text.slice(0, SCAN_CHARS));
  let fresh = normalizeText(split.fresh, { multiline: true });
  const lines: string[] = [];
  let subject = subjectOf(mail);
  if (rec) {
    const title = voicemailTitle(rec.caller, rec.duration);
    subject = title;
    const until = new Date(now.getTime() + svc.config.ackLinkTtlHours * 3_600_000);
    const link = await signedFileUrl(svc.config, rec.file.id, until);
    lines.push(`${title}.`, link ? `Listen: ${link}` : "Listen: in the staff report view (no signing key is set for links).");
    if (link) lines.push(`(The link works until ${until.toISOString().slice(0, 16).replace("T", " ")} UTC; staff get a fresh one from the report.)`);
    if (mail.subject.trim()) lines.push(`Subject: ${normalizeText(mail.subject).slice(0, 200)}`);
    if (rec.duration?.estimated) lines.push(`(Length estimated from the recording's bit rate: about ${formatDuration(rec.duration.seconds)}.)`);
    lines.push("");
  }
  if (note) lines.push(note, "");
  if (mail.parseError) lines.push(`(The mail could not be read: ${mail.parseError.slice(0, 200)}. The raw mail is attached to this report.)`, "");
  if (fresh.length > PAGE_TEXT_CHARS) fresh = `${fresh.slice(0, PAGE_TEXT_CHARS)}\n[… the whole mail is in the report's thread and attachments]`;
  lines.push(fresh || "(The mail has no text.)");
  lines.push(...attachmentLines(attachments.files, attachments.failed));
  let message = lines.join("\n").trim();
  if (message.length < reportLimits.messageMin) message = `${message}\n\n(Sent by email to ${entry.address}.)`;
  message = message.slice(0, reportLimits.message);

  const input: NewReportInput = {
    channel: "email",
    urgency: entry.urgency,
    reporter: reporterOf(mail, row, rec?.caller.number ?? null),
    subject,
    message,
    componentId: entry.component,
    channelMessageId: row.messageId.slice(0, reportLimits.channelMessageId),
  };
  let result: IntakeResult;
  try {
    result = await intakeReport(svc, input, { now, confirmation: false });
  } catch (err) {
    // A component that no longer exists must not lose the report: file it without one.
    if (err instanceof ApiError && err.options.fields?.component) result = await intakeReport(svc, { ...input, componentId: null }, { now, confirmation: false });
    // A phone number the form would refuse must not either (it is in the text).
    else if (err instanceof ApiError && err.options.fields?.["reporter.phone"] && input.reporter.email) {
      result = await intakeReport(svc, { ...input, reporter: { ...input.reporter, phone: null } }, { now, confirmation: false });
    } else throw err;
  }

  const report = result.report;
  const fileIds = [...attachments.files.map((f) => f.id), ...(row.rawFileId ? [row.rawFileId] : [])];
  const statements: D1PreparedStatement[] = [...attachFilesStatement(svc.db, fileIds, report.id)];
  if (result.created && split.trimmed) {
    statements.push(
      insertMessageStatement(svc.db, {
        reportId: report.id,
        author: "system",
        authorName: null,
        body: `The whole mail as received (quoted history and signature included):\n\n${normalizeText(mail.text.slice(0, SCAN_CHARS), { multiline: true })}`,
        createdAt: now.toISOString(),
      }),
    );
  }
  return { result, attachments, voicemail: rec !== null, statements };
}

