// Mail that intake sends: the reporter's confirmation and, when the database is down, the
// direct page to on-call. Texts are built by pure functions; sending is thin.
import type { NewReport } from "../../contract/reports";
import { siteConfig } from "../../site.config";
import type { Services } from "../platform/services";
import { recordSentMailStatement, type Report, type SentMailPurpose } from "./queries";

export interface MailText {
  subject: string;
  text: string;
}

/**
 * The reporter's confirmation. It repeats nothing the sender wrote (not their name, not their
 * subject): whoever types someone else's address into the form can make us send this mail,
 * so it must carry nothing an abuser could use (help desks were abused as spam relays in 2023
 * exactly so). Only our reference, the private link, our status page and contacts.
 */
export function confirmationMail(report: Pick<Report, "reference" | "createdAt">, viewUrl: string | null, publicUrl: string, mirrorUrl = ""): MailText {
  const lines = [
    "Hello,",
    "",
    `We received an urgent report sent with this address at ${report.createdAt.replace("T", " ").slice(0, 16)} UTC.`,
    "",
    `Reference: ${report.reference}`,
    ...(viewUrl ? ["", "Follow the report and add information here (keep this link private):", viewUrl] : []),
    "",
    "What happens next: the engineer on call has been alerted and will contact you. Current",
    `status: ${publicUrl.replace(/\/+$/, "")}/`,
    "",
    "If you cannot wait, reach us out of band:",
    ...(siteConfig.contacts.phone ? [`  Phone: ${siteConfig.contacts.phone}`] : []),
    ...(siteConfig.contacts.urgentEmail ? [`  Email: ${siteConfig.contacts.urgentEmail} (mention ${report.reference})`] : []),
    // The status page's copy on another provider: there even when the status page is not.
    ...(mirrorUrl ? [`  Status if our status page is down: ${mirrorUrl}/`] : []),
    "",
    "If you did not send this report, you can ignore this mail.",
    "",
    `${siteConfig.name}`,
  ];
  return { subject: `[${report.reference}] We received your urgent report`, text: lines.join("\n") };
}

/** The page sent straight to on-call when a report could not be stored. */
export function fallbackPageMail(report: NewReport, receivedAt: Date, cause: string): MailText {
  const r = report.reporter;
  const lines = [
    "An urgent report came in but could NOT be stored: the database is unavailable.",
    "It exists only in this message. Contact the reporter directly.",
    "",
    `Received:  ${receivedAt.toISOString()}`,
    `Channel:   ${report.channel}`,
    `Urgency:   ${report.urgency}`,
    `Component: ${report.componentId ?? "not given"}`,
    `Name:      ${r.name ?? "not given"}`,
    `Email:     ${r.email ?? "not given"}`,
    `Phone:     ${r.phone ?? "not given"}`,
    ...(r.xHandle ? [`X:         @${r.xHandle}`] : []),
    ...(r.socialHandle ? [`${report.channel === "bluesky" ? "Bluesky" : "Mastodon"}:${report.channel === "bluesky" ? "   " : "  "}@${r.socialHandle}`] : []),
    `Subject:   ${report.subject}`,
    "",
    report.message,
    "",
    `Storage error: ${cause}`,
  ];
  return { subject: `URGENT (not stored): ${report.subject}`.slice(0, 200), text: lines.join("\n") };
}

/** What a sent mail is about: its Message-ID is recorded, so that a reply joins the thread. */
export interface SentAbout {
  reportId: string;
  purpose: SentMailPurpose;
}

/** Sends to each recipient separately, so one refused address does not stop the others.
 * Resolves with how many were accepted. Mail about a report records its Message-ID. */
export async function sendMail(svc: Pick<Services, "mail" | "config"> & Partial<Pick<Services, "db">>, to: string[], mail: MailText, about?: SentAbout): Promise<number> {
  const results = await Promise.allSettled(to.map((address) => svc.mail.send({ to: address, from: svc.config.mailFrom, subject: mail.subject, text: mail.text })));
  let accepted = 0;
  for (const r of results) {
    if (r.status === "rejected") {
      console.error("mail: send failed", r.reason);
      continue;
    }
    accepted++;
    if (about && svc.db && r.value.messageId) {
      await recordSentMailStatement(svc.db, { messageId: r.value.messageId, reportId: about.reportId, purpose: about.purpose, now: new Date().toISOString() })
        .run()
        .catch((err: unknown) => console.error("mail: could not record the Message-ID for threading", err));
    }
  }
  return accepted;
}
