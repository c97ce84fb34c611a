// Staff replies to a reporter, sent back through the channel the reporter used: email for the
// form, the API and email; SMS, X, Mastodon and Bluesky through their adapters. This file is
// the interface each channel implements; the registry that picks one per report is in
// functions/inbox/reply-senders.ts (one line per channel). It lives here, at the bottom with
// intake, so a channel adapter (which already imports reports/) can implement it without
// importing the inbox, which imports the adapters' senders: dependencies stay one way.
import type { ReportChannel } from "../../contract/reports";
import { siteConfig } from "../../site.config";
import type { Services } from "../platform/services";
import { recordSentMailStatement, type Report } from "./queries";

/** What a sender is given: the reply, and the reporter's private link (null when unknown). */
export interface ReporterReply {
  messageId: number;
  body: string;
  /** The staff member's display name, or null ("our team") when no person is known. */
  staffName: string | null;
  /** /r/{reference}?k=…: the whole thread, for channels that can carry a link. */
  privateLink: string | null;
}

export type ReplyServices = Pick<Services, "db" | "mail" | "config" | "channelSettings">;

/**
 * A way to answer a reporter. `reach` says whether (and where) this report can be answered;
 * `send` delivers, resolving with the provider's id, throwing `ReplyRetryLater` for a
 * temporary failure (the queue retries) or any other error for a permanent one.
 */
export interface ReplySender {
  /** The channel the reply goes out by (shown to staff: "sent by email to ada@…"). */
  channel: ReportChannel | "email";
  /** Where it would go, in words for staff ("ada@example.com"), or null when it cannot. */
  reach(report: Report): string | null;
  send(svc: ReplyServices, report: Report, reply: ReporterReply): Promise<{ providerId: string | null }>;
}

export class ReplyRetryLater extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReplyRetryLater";
  }
}

/** The mail a reporter gets for a staff reply: the reply, who wrote it, and their private link. */
export function replyMail(report: Pick<Report, "reference">, reply: ReporterReply): { subject: string; text: string } {
  const signature = reply.staffName ? `${reply.staffName}, ${siteConfig.name}` : siteConfig.name;
  const lines = [
    reply.body,
    "",
    `-- ${signature}`,
    "",
    ...(reply.privateLink ? ["Answer and follow your report here (keep this link private):", reply.privateLink, ""] : []),
    `Reference: ${report.reference}`,
  ];
  return { subject: `[${report.reference}] Reply from ${siteConfig.name}`, text: lines.join("\n") };
}

/** Email: for reporters who gave an address (the form, the API, email). */
export const emailReplySender: ReplySender = {
  channel: "email",
  reach: (report) => report.reporter.email,
  async send(svc, report, reply) {
    const to = report.reporter.email;
    if (!to) throw new Error("the reporter gave no email address");
    if (!svc.config.mailFrom) throw new Error("MAIL_FROM is not set");
    const mail = replyMail(report, reply);
    try {
      const sent = await svc.mail.send({ to, from: svc.config.mailFrom, subject: mail.subject, text: mail.text });
      // Its Message-ID is recorded, so that the reporter's answer joins this report (functions/email).
      if (sent.messageId) {
        await recordSentMailStatement(svc.db, { messageId: sent.messageId, reportId: report.id, purpose: "staff-reply", now: new Date().toISOString() })
          .run()
          .catch((err: unknown) => console.error("mail: could not record the Message-ID for threading", err));
      }
      return { providerId: sent.messageId };
    } catch (err) {
      // The mail binding refuses for reasons that pass (limits, a hiccup): try again later.
      throw new ReplyRetryLater(err instanceof Error ? err.message : String(err));
    }
  },
};
