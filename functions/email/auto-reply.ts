// The answer to a new report by mail, as RFC 3834 asks of automatic responses: marked
// `Auto-Submitted: auto-replied`, in the sender's thread (In-Reply-To, References), to the
// Return-Path, never to automatic or list mail, at most once per sender per window. It says
// what the web form's confirmation says (reports/mail.ts): the reference, the private link,
// the status page and what happens next, and repeats nothing the sender wrote.
//
// Cloudflare's `message.reply()` is tried first: it keeps the thread and needs no sending
// domain beyond Email Routing, but it refuses unless the incoming mail passed DMARC, and it
// only exists while the email event runs. Otherwise (DMARC failed, reply refused, or the mail
// is processed later by the sweep) a new message goes out through send_email.
import type { EmailIntakeEntry } from "../../contract/email-intake";
import { sha256Hex } from "../platform/crypto";
import type { Services } from "../platform/services";
import { confirmationMail } from "../reports/mail";
import { recordSentMailStatement, type Report } from "../reports/queries";
import { baseAddress, bareAddress } from "./addresses.pure";
import { dmarcState } from "./auth-results.pure";
import type { HeaderLine } from "./headers.pure";
import { claimAutoReply } from "./queries";

export type AutoReplyServices = Pick<Services, "db" | "mail" | "config">;

export interface AutoReplyResult {
  sent: boolean;
  /** Records the answer's Message-ID (for threading): left for the caller's closing batch. */
  record?: D1PreparedStatement;
  via?: "reply" | "send";
  messageId?: string | null;
  /** Why none was sent, or why reply() was not used. */
  note?: string;
}

const MESSAGE_ID = /^<[^<>\s]{1,250}>$/;

export async function sendAutoReply(
  svc: AutoReplyServices,
  a: {
    message?: ForwardableEmailMessage;
    entry: EmailIntakeEntry;
    /** The address the mail was sent to: the reply comes from it (reply() requires its domain). */
    rcptTo: string;
    envelopeFrom: string;
    headers: readonly HeaderLine[];
    incomingMessageId: string | null;
    incomingReferences: string | null;
    report: Report;
    viewUrl: string | null;
    now: Date;
  },
): Promise<AutoReplyResult> {
  const to = bareAddress(a.envelopeFrom);
  const windowStart = new Date(a.now.getTime() - svc.config.email.autoReplyWindowMinutes * 60_000).toISOString();
  const hash = await sha256Hex(`email-auto-reply\n${baseAddress(to)}`);
  if (!(await claimAutoReply(svc.db, hash, a.now.toISOString(), windowStart))) {
    return { sent: false, note: `already answered within ${svc.config.email.autoReplyWindowMinutes} minutes` };
  }
  const mail = confirmationMail(a.report, a.viewUrl, svc.config.publicUrl);
  const from = baseAddress(a.rcptTo);
  const record = (messageId: string | null | undefined) =>
    messageId ? { record: recordSentMailStatement(svc.db, { messageId, reportId: a.report.id, purpose: "auto-reply", now: a.now.toISOString() }) } : {};

  let note: string | undefined;
  if (a.message && dmarcState(a.headers, svc.config.email.authservIds) !== "fail") {
    try {
      const result = (await a.message.reply({ from, subject: mail.subject, text: mail.text, headers: { "Auto-Submitted": "auto-replied" } })) as { messageId?: string } | undefined;
      return { sent: true, via: "reply", messageId: result?.messageId ?? null, ...record(result?.messageId) };
    } catch (err) {
      note = `reply() refused (${(err instanceof Error ? err.message : String(err)).slice(0, 200)}); sent as a new message`;
    }
  } else {
    note = a.message ? "DMARC did not pass: sent as a new message" : "processed after the email event: sent as a new message";
  }

  const headers: Record<string, string> = { "Auto-Submitted": "auto-replied" };
  const incoming = a.incomingMessageId?.trim() ?? "";
  if (MESSAGE_ID.test(incoming)) {
    headers["In-Reply-To"] = incoming;
    // References: the incoming ones (the last few, within the 2,048-byte header limit) and it.
    const earlier = (a.incomingReferences?.match(/<[^<>\s]{1,250}>/g) ?? []).slice(-8);
    let refs = [...earlier, incoming].join(" ");
    while (refs.length > 2000) refs = refs.slice(refs.indexOf(" ") + 1);
    headers.References = refs;
  }
  try {
    const result = await svc.mail.send({ to, from, subject: mail.subject, text: mail.text, headers });
    return { sent: true, via: "send", messageId: result.messageId, ...(note ? { note } : {}), ...record(result.messageId) };
  } catch (err) {
    return { sent: false, note: `${note ? `${note}; ` : ""}send failed: ${(err instanceof Error ? err.message : String(err)).slice(0, 200)}` };
  }
}
