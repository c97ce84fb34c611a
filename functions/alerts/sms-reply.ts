// SMS replies from on-call people: "4" or "ACK <code>" acknowledges. The hotline number takes
// customers' messages too, so the phone intake (functions/phone) asks here first, for each
// message, whether it is a reply for the fan-out; only what this declines becomes a report.
//
// Twilio signs the request, not the moment: a captured, validly signed "4" can be sent again
// later. Each MessageSid is handled once (twilio_inbound); a replay is answered with nothing.
// A bare "4" acknowledges only an alert paged to that number within the hour, and only when
// it is the only one: a reply must never acknowledge an alert its sender has not seen.
import { loadActiveConfig } from "../oncall/queries";
import type { FanoutServices } from "./lifecycle";
import { acknowledgeAlert } from "./lifecycle";
import { claimTwilioMessage, numberPagedSince, openAlertsPagedToNumber } from "./queries";
import { parseAckReply, sameNumber } from "./sms-reply.pure";

/** A bare "4" means the alert paged to that number within this window. */
export const BARE_ACK_WINDOW_MS = 60 * 60_000;
/** A number paged this recently belongs to someone on call (or who was): its texts are replies. */
export const ONCALL_NUMBER_WINDOW_MS = 30 * 24 * 60 * 60_000;

export interface SmsReply {
  from: string;
  body: string;
  /** Twilio's MessageSid. */
  sid: string;
}

/** `handled: false`: not for the fan-out (a customer's message). `reply`: the SMS to answer
 * with, or null for none (a replay). */
export type SmsReplyOutcome = { handled: false } | { handled: true; reply: string | null };

/** Whether `number` belongs to someone on call: in the active configuration (SMS or voice), or
 * paged at it within the last 30 days. */
export async function isOnCallNumber(db: D1Database, number: string, now: Date): Promise<boolean> {
  const stored = await loadActiveConfig(db, { lenient: true });
  const configured = stored?.config.people.some((p) =>
    p.contactMethods.some((m) => (m.type === "sms" || m.type === "voice") && sameNumber((m as { number: string }).number, number)),
  );
  if (configured) return true;
  return numberPagedSince(db, number, new Date(now.getTime() - ONCALL_NUMBER_WINDOW_MS).toISOString());
}

export async function acknowledgeBySmsReply(svc: FanoutServices, sms: SmsReply, now: Date): Promise<SmsReplyOutcome> {
  const ack = parseAckReply(sms.body);
  // Anything but the ack grammar is a reply only when it comes from an on-call number: then it
  // gets the hint, never a report (on-call people are not customers of their own hotline).
  if (!ack && !(await isOnCallNumber(svc.db, sms.from, now))) return { handled: false };
  if (!(await claimTwilioMessage(svc.db, sms.sid, now.toISOString()))) return { handled: true, reply: null };
  if (!ack) return { handled: true, reply: "Reply 4 to acknowledge your newest alert, or ACK and its code, e.g. ACK 7KQ2M." };
  const { code } = ack;
  const candidates = await openAlertsPagedToNumber(svc.db, sms.from, { code, since: code ? null : new Date(now.getTime() - BARE_ACK_WINDOW_MS).toISOString() });
  if (candidates.length === 0) {
    return {
      handled: true,
      reply: code ? `No open alert ${code} was paged to this number.` : "No open alert was paged to this number in the last hour. Reply ACK and the alert's code, e.g. ACK 7KQ2M.",
    };
  }
  if (!code && candidates.length > 1) {
    const codes = candidates.map((a) => a.ackCode).join(", ");
    return { handled: true, reply: `${candidates.length} alerts are open for you (${codes}). Reply ACK and the code of the one you mean, e.g. ACK ${candidates[0]!.ackCode}.` };
  }
  const target = candidates[0]!;
  const outcome = await acknowledgeAlert(svc, target.alertId, { actor: target.personName, via: "sms reply", personId: target.personId }, now);
  const a = outcome!.alert;
  return { handled: true, reply: `Alert ${a.ackCode} acknowledged${outcome!.changed ? "" : ` already, by ${a.acknowledgedBy}`}. Escalation stopped.` };
}
