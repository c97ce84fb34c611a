// Machine mail: what a mail is before anyone reads it. Bounces and delivery reports never
// become reports; out-of-office and other automatic replies are kept and never answered; our
// own mail coming back is a loop. And whether an auto-reply may be sent at all (RFC 3834 §2:
// never to automatic mail, lists or bulk mail, an empty Return-Path, or ourselves).
import { bareAddress } from "./addresses.pure";
import { firstHeader, headerValues, type HeaderLine } from "./headers.pure";

export type MachineKind = "delivery-report" | "bounce" | "auto-reply" | "loop";

export interface MailFacts {
  headers: readonly HeaderLine[];
  /** The envelope sender (MAIL FROM); "" or "<>" for bounces. */
  envelopeFrom: string;
  /** The From header's address. */
  headerFrom: string;
  subject: string;
  /** The top-level Content-Type value, lower-cased, with parameters. */
  contentType: string;
  /** Our own addresses (intake addresses, MAIL_FROM), base form. */
  own: ReadonlySet<string>;
}

export interface Classification {
  machine: MachineKind | null;
  /** Mailing list or bulk mail: a report all the same, never answered. */
  bulk: boolean;
  /** Why it is machine mail or bulk (for the record). */
  reason: string | null;
}

const BOUNCE_SENDER = /^(mailer-daemon|postmaster|mail-daemon|mailerdaemon|bounces?)([+-].*)?@/i;
const BOUNCE_SUBJECT =
  /^(undeliver(able|ed)( mail)?|undelivered mail returned to sender|delivery status notification|(mail )?delivery (has )?failed|returned mail|failure notice|mail delivery (failed|subsystem)|non[- ]?delivery report|unzustellbar|onbestelbaar|niet bezorgd|non remis)/i;
// Out-of-office subjects in the languages a Dutch hosting company's customers write in.
const AUTO_REPLY_SUBJECT =
  /^(auto(matic)?[ -]?(reply|response|antwort|matisch antwoord|svar)|out of (the )?office|away from (the )?office|absence|afwezig(heid)?|abwesenheit(snotiz)?|abwesend|r[ée]ponse automatique|absent|risposta automatica|respuesta autom[áa]tica|automatisch(e)? (antwort|antwoord))\b/i;

function baseOf(address: string): string {
  const a = bareAddress(address);
  const at = a.lastIndexOf("@");
  return at > 0 ? `${a.slice(0, at).split("+")[0]}${a.slice(at)}` : a;
}

export function classifyMail(f: MailFacts): Classification {
  const h = f.headers;
  const envelope = bareAddress(f.envelopeFrom);
  const from = bareAddress(f.headerFrom);
  if ((from && f.own.has(baseOf(from))) || (envelope && f.own.has(baseOf(envelope)))) {
    return { machine: "loop", bulk: false, reason: `sent from our own address ${from || envelope}` };
  }
  if (/^multipart\/report\b/.test(f.contentType)) {
    const type = /report-type\s*=\s*"?([a-z0-9-]+)/.exec(f.contentType)?.[1] ?? "report";
    return { machine: type === "delivery-status" ? "bounce" : "delivery-report", bulk: false, reason: `multipart/report (${type})` };
  }
  const subject = f.subject.trim();
  if ((!envelope || BOUNCE_SENDER.test(envelope) || BOUNCE_SENDER.test(from)) && BOUNCE_SUBJECT.test(subject)) {
    return { machine: "bounce", bulk: false, reason: "a non-delivery notice from a mail server" };
  }
  const autoSubmitted = (firstHeader(h, "auto-submitted") ?? "").toLowerCase().split(/[;\s]/)[0] ?? "";
  if (autoSubmitted && autoSubmitted !== "no") return { machine: "auto-reply", bulk: false, reason: `Auto-Submitted: ${autoSubmitted}` };
  if (firstHeader(h, "x-autoreply") !== null || firstHeader(h, "x-autorespond") !== null || firstHeader(h, "x-autoresponse") !== null) {
    return { machine: "auto-reply", bulk: false, reason: "an X-Autoreply header" };
  }
  const precedence = (firstHeader(h, "precedence") ?? "").toLowerCase().trim();
  if (precedence === "auto_reply") return { machine: "auto-reply", bulk: false, reason: "Precedence: auto_reply" };
  if (AUTO_REPLY_SUBJECT.test(subject)) return { machine: "auto-reply", bulk: false, reason: "an out-of-office subject" };
  if (["bulk", "list", "junk"].includes(precedence)) return { machine: null, bulk: true, reason: `Precedence: ${precedence}` };
  if (firstHeader(h, "list-id") !== null || firstHeader(h, "list-unsubscribe") !== null) return { machine: null, bulk: true, reason: "a mailing list (List-Id)" };
  return { machine: null, bulk: false, reason: null };
}

const NO_REPLY_LOCAL = /^(no[-_.]?reply|do[-_.]?not[-_.]?reply|donotreply|mailer-daemon|postmaster|bounces?|listserv|majordomo|owner-.*|.*-(owner|request|bounces?))$/i;

/**
 * May this mail be answered automatically? RFC 3834 §2: not automatic mail, not lists or bulk
 * mail, not an empty Return-Path; and not noreply or MAILER-DAEMON addresses, nor ourselves,
 * nor a sender who asked (X-Auto-Response-Suppress). Returns the reason when it may not.
 */
export function autoReplyRefusal(f: MailFacts, c: Classification): string | null {
  if (c.machine) return `machine mail (${c.machine})`;
  if (c.bulk) return `bulk or list mail (${c.reason})`;
  const envelope = bareAddress(f.envelopeFrom);
  const returnPath = headerValues(f.headers, "return-path")[0];
  if (!envelope || (returnPath !== undefined && /^<\s*>$/.test(returnPath.trim()))) return "an empty Return-Path";
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(envelope)) return "the Return-Path is not an address";
  const local = envelope.slice(0, envelope.lastIndexOf("@"));
  if (NO_REPLY_LOCAL.test(local)) return `a ${local}@ address`;
  if (f.own.has(baseOf(envelope))) return "our own address";
  const suppress = (firstHeader(f.headers, "x-auto-response-suppress") ?? "").toLowerCase();
  if (/\b(all|autoreply|oof)\b/.test(suppress)) return `X-Auto-Response-Suppress: ${suppress}`;
  return null;
}
