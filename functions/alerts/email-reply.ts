// "ack" by replying to a page mail. For the inbound-email handler to call first, before it
// treats a mail as a new report: a reply whose subject carries an alert's code ("Re: [7KQ2M]
// ALERT ...") and whose first line of new text is "ack", sent from an address that alert was
// paged to, acknowledges it. Anything else is left to the caller (null).
import { acknowledgeAlert, type CloseOutcome, type FanoutServices } from "./lifecycle";
import { eventStatement, findAlertByAckCode, findEmailDeliveriesByProviderIds, personPagedByEmail } from "./queries";

/** The reply's own first line: quoted text ("> ...", "On ... wrote:") and blank lines skipped. */
export function firstReplyLine(text: string): string {
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (!t || t.startsWith(">")) continue;
    return t;
  }
  return "";
}

/** Pure: the alert code an "ack" reply means, or null when the mail is not one. */
export function parseAckReply(subject: string, text: string): string | null {
  const code = /\[([2-9A-HJKMNP-TV-Z]{5})\]/.exec(subject)?.[1];
  if (!code) return null;
  return /^ack\b/i.test(firstReplyLine(text)) ? code : null;
}

function bareAddress(from: string): string {
  return (/<([^>]+)>/.exec(from)?.[1] ?? from).trim().toLowerCase();
}

export async function acknowledgeByEmailReply(svc: FanoutServices, mail: { from: string; subject: string; text: string }, now: Date): Promise<CloseOutcome | null> {
  const code = parseAckReply(mail.subject, mail.text);
  if (!code) return null;
  const alert = await findAlertByAckCode(svc.db, code);
  if (!alert) return null;
  const paged = await personPagedByEmail(svc.db, alert.id, bareAddress(mail.from));
  if (!paged) return null;
  return acknowledgeAlert(svc, alert.id, { actor: paged.personName, via: "email reply", personId: paged.personId }, now);
}

/**
 * Any other reply to a page mail (In-Reply-To names the page's Message-ID): it is the paged
 * person (or their mailbox's out-of-office) answering, never a customer's report. It goes into
 * the alert's timeline. Null when the mail answers none of our page mails.
 */
export async function notePageReply(
  svc: Pick<FanoutServices, "db">,
  mail: { messageIds: string[]; from: string; text: string; automatic: boolean },
  now: Date,
): Promise<{ alertId: string; personName: string } | null> {
  const [delivery] = await findEmailDeliveriesByProviderIds(svc.db, mail.messageIds);
  if (!delivery) return null;
  const line = firstReplyLine(mail.text).slice(0, 300);
  const what = mail.automatic ? `Automatic reply (out of office?) to the page mail for ${delivery.personName}` : `${delivery.personName} answered the page mail`;
  await svc.db.batch([
    eventStatement(svc.db, {
      alertId: delivery.alertId,
      type: mail.automatic ? "page_auto_reply" : "page_reply",
      message: line ? `${what}: "${line}"` : `${what}.`,
      actor: bareAddress(mail.from),
      detail: { delivery: delivery.id },
      now,
    }),
  ]);
  return { alertId: delivery.alertId, personName: delivery.personName };
}
