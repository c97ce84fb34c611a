// SMS to the hotline number. Each message is, in this order: an opt-out, opt-in or help
// keyword (Twilio's Advanced Opt-Out semantics); a reply from someone on call ("4", "ACK
// <code>", handled by the fan-out: functions/alerts/sms-reply.ts); or a customer's message,
// which files a report on channel "sms", or joins the sender's open report as a follow-up.
//
// A new report is answered once, with our reference and the status page: nothing the sender
// wrote, never to a number that opted out, and at most a few times an hour per number.
import { siteConfig } from "../../site.config";
import { acknowledgeBySmsReply } from "../alerts/sms-reply";
import { parseAckReply } from "../alerts/sms-reply.pure";
import { addFollowUp } from "../reports/followup";
import { IntakeUnavailableError, intakeReport } from "../reports/intake";
import { findOpenReportByPhone, type Report } from "../reports/queries";
import type { PhoneServices } from "./calls";
import { claimMessage, countRepliesTo, finishMessage, isOptedOut, optIn, optOut } from "./queries";
import { callbackNumber, smsHelpReply, smsKeyword, smsReceivedReply, smsReport, smsUnavailableReply } from "./words.pure";

/** SMS answers to one number per hour, whatever happens (reports resolved and filed again...). */
export const MAX_REPLIES_PER_NUMBER_PER_HOUR = 3;

export interface IncomingSms {
  sid: string;
  from: string;
  body: string;
  /** Twilio's OptOutType (STOP, START, HELP) when Advanced Opt-Out recognised a keyword. */
  optOutType: string | null;
  media: number;
}

function statusUrl(svc: Pick<PhoneServices, "config">): string {
  return `${svc.config.publicUrl}/`;
}

/** Handles one SMS; resolves with the SMS to answer with, or null for none. */
export async function receiveSms(svc: PhoneServices, sms: IncomingSms, now: Date): Promise<string | null> {
  const keyword = smsKeyword(sms.body, sms.optOutType);
  if (keyword) return handleKeyword(svc, sms, keyword, now);

  try {
    const ack = await acknowledgeBySmsReply(svc, { from: sms.from, body: sms.body, sid: sms.sid }, now);
    if (ack.handled) return ack.reply;
  } catch (err) {
    // An acknowledgement that cannot be stored must fail loudly (the person paged sees no
    // confirmation and uses the page's link); anything else is a customer's message, which
    // intake takes or, with storage down, pages by mail.
    if (parseAckReply(sms.body)) throw err;
    console.error("phone: could not tell whether an SMS is an on-call reply; taking it as a report", err);
  }
  return fileSms(svc, sms, now);
}

async function handleKeyword(svc: PhoneServices, sms: IncomingSms, keyword: "opt-out" | "opt-in" | "help", now: Date): Promise<string | null> {
  const claim = await claimMessage(svc.db, { sid: sms.sid, from: sms.from, kind: keyword }, now.toISOString());
  if (claim === "done") return null;
  if (keyword === "opt-out") await optOut(svc.db, sms.from, sms.body.trim() || "STOP", now.toISOString());
  if (keyword === "opt-in") await optIn(svc.db, sms.from);
  // Twilio answers STOP and START itself (and then blocks, or unblocks, our messages to the
  // number); HELP too when Advanced Opt-Out is on (OptOutType says so). Otherwise we answer HELP.
  const reply =
    keyword === "help" && !sms.optOutType && callbackNumber(sms.from) && !(await isOptedOut(svc.db, sms.from))
      ? smsHelpReply({ siteName: siteConfig.name, statusUrl: statusUrl(svc), phone: siteConfig.contacts.phone || null })
      : null;
  await finishMessage(svc.db, sms.sid, { kind: keyword, reportId: null, replied: reply !== null });
  return reply;
}

async function fileSms(svc: PhoneServices, sms: IncomingSms, now: Date): Promise<string | null> {
  const from = callbackNumber(sms.from);
  let claim: "new" | "done" | "unfinished" | "unknown" = "unknown";
  try {
    claim = await claimMessage(svc.db, { sid: sms.sid, from: sms.from, kind: "report" }, now.toISOString());
  } catch (err) {
    console.error(`phone: SMS ${sms.sid} not claimed (storage down?); intake decides`, err);
  }
  if (claim === "done") return null;

  // Later messages from the same number join its open report (SMS or voicemail) while it is open.
  const open = from && claim !== "unknown" ? await findOpenReportByPhone(svc.db, from, ["sms", "phone"]) : null;
  if (open?.channelMessageId === sms.sid) {
    // This very message filed it, on an earlier attempt that stopped before it was marked done.
    await finishMessage(svc.db, sms.sid, { kind: "report", reportId: open.id, replied: false });
    return null;
  }
  if (open) {
    await addFollowUp(svc, open, smsReport(sms.from, sms.body, sms.media).message, now);
    await finishMessage(svc.db, sms.sid, { kind: "followup", reportId: open.id, replied: false });
    return null;
  }

  const { subject, message } = smsReport(sms.from, sms.body, sms.media);
  let report: Report;
  let created: boolean;
  try {
    const result = await intakeReport(
      svc,
      { channel: "sms", reporter: { phone: from, name: from ? null : sms.from.slice(0, 60) || null }, subject, message, channelMessageId: sms.sid },
      { now },
    );
    report = result.report;
    created = result.created;
  } catch (err) {
    if (!(err instanceof IntakeUnavailableError)) throw err;
    return from ? smsUnavailableReply({ siteName: siteConfig.name, paged: err.paged, email: siteConfig.contacts.urgentEmail || null }) : null;
  }
  const reply = created && from ? await replyAllowed(svc, from, now) : false;
  await finishMessage(svc.db, sms.sid, { kind: "report", reportId: report.id, replied: reply });
  return reply ? smsReceivedReply({ siteName: siteConfig.name, reference: report.reference, statusUrl: statusUrl(svc) }) : null;
}

/** Never to a number that opted out (Twilio would refuse it), and a few times an hour at most. */
async function replyAllowed(svc: Pick<PhoneServices, "db">, number: string, now: Date): Promise<boolean> {
  if (await isOptedOut(svc.db, number)) return false;
  const since = new Date(now.getTime() - 3_600_000).toISOString();
  return (await countRepliesTo(svc.db, number, since)) < MAX_REPLIES_PER_NUMBER_PER_HOUR;
}
