// What the hotline writes: report subjects and first messages for voicemails, missed calls and
// SMS (the page on-call receives is made from these), and the SMS answers a sender gets, which
// repeat nothing the sender wrote (a spoofed sender number must not turn us into a relay).

/** Caller ids Twilio gives for withheld numbers (anonymous, restricted, unavailable, blocked). */
const WITHHELD = new Set(["", "anonymous", "restricted", "unavailable", "unknown", "private", "+266696687", "+7378742833", "+86282452253", "+2562533"]);
const E164 = /^\+[1-9][0-9]{6,14}$/;

/** The caller's number when it is one we can call back, else null (withheld or not a number). */
export function callbackNumber(raw: string | null | undefined): string | null {
  const value = (raw ?? "").trim();
  if (WITHHELD.has(value.toLowerCase())) return null;
  return E164.test(value) ? value : null;
}

/** "0:42", "2:05": how a duration reads in a page. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** "2026-12-01 14:03 UTC". */
export function formatTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/**
 * The caller as subjects and texts name them: the last four digits only. A subject is the
 * alert's title on every channel, shared ones (a team chat, an ntfy topic) included, where a
 * customer's number does not belong (issue 8); personal channels show the whole number in the
 * page's reporter line, and staff see it on the report.
 */
export function callerLabel(number: string | null): string {
  return number ? `…${number.slice(-4)}` : "a withheld number";
}

export function voicemailSubject(from: string | null, seconds: number): string {
  return `Voicemail from ${callerLabel(from)}, ${formatDuration(seconds)}`;
}

export interface VoicemailFacts {
  from: string | null;
  seconds: number;
  at: string;
  /** Our signed, expiring link to the copy in R2, or null when it could not be made. */
  link: { url: string; expiresAt: string } | null;
  /** Where the recording stays when the copy failed: Twilio's URL, never with credentials. */
  providerUrl: string | null;
  transcript: string | null;
}

/**
 * The voicemail report's first message. The link comes first: a page by SMS quotes the start of
 * the first message, and the link is what the person paged needs.
 */
export function voicemailMessage(f: VoicemailFacts): string {
  const lines: string[] = [];
  if (f.link) lines.push(`Listen: ${f.link.url} (link valid until ${formatTime(f.link.expiresAt)}).`);
  lines.push(`Voicemail of ${formatDuration(f.seconds)}, left at ${formatTime(f.at)}.${f.from ? "" : " The caller withheld their number."}`);
  if (!f.link) {
    lines.push(
      f.providerUrl
        ? `The recording could not be copied here yet; it is kept at Twilio: ${f.providerUrl}.wav (sign in with the Twilio account). The copy is retried and its link added to this thread.`
        : "The recording could not be copied here yet; the copy is retried and its link added to this thread.",
    );
  }
  lines.push(f.transcript ? `What they said (automatic transcription, may contain errors): "${f.transcript}"` : "An automatic transcription follows in this thread when it arrives.");
  return lines.join("\n");
}

export function missedCallSubject(from: string | null): string {
  return `Missed call from ${callerLabel(from)}`;
}

export function missedCallMessage(f: { from: string | null; at: string; seconds: number | null }): string {
  const lasted = f.seconds !== null ? ` (the call lasted ${formatDuration(f.seconds)})` : "";
  return `Missed call at ${formatTime(f.at)}: the caller hung up without leaving a message${lasted}. ${f.from ? "Call them back." : "The number was withheld."}`;
}

/** A call that ended while storage was down: paged by mail at once (nothing could notice it later). */
export function callWithoutStorageMessage(f: { from: string | null; at: string; seconds: number | null }): string {
  const lasted = f.seconds !== null ? ` and lasted ${formatDuration(f.seconds)}` : "";
  return `A call to the hotline ended at ${formatTime(f.at)}${lasted} while our storage was down. ${f.from ? "Call them back." : "The number was withheld."} If they left a voicemail, a second page with its recording follows.`;
}

export function transcriptFollowUp(text: string): string {
  return `Transcription of the voicemail (automatic, may contain errors): "${text}"`;
}

export const TRANSCRIPT_FAILED_NOTE = "Twilio could not transcribe the voicemail; listen to the recording.";

/** Longest subject taken from an SMS; the full text is the report's message. */
export const SMS_SUBJECT_CHARS = 100;

/** Cuts text to `max` characters (code points, so an emoji is never split) at a word boundary. */
export function cutAtWord(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  const cut = chars.slice(0, max - 1).join("");
  const space = cut.lastIndexOf(" ");
  return `${space > cut.length * 0.6 ? cut.slice(0, space) : cut}…`;
}

/** A report from an SMS: the subject is its first line (what a person would title it), the
 * message its whole text; very short texts are framed so the report still says what it is. */
export function smsReport(from: string, body: string, media: number): { subject: string; message: string } {
  const text = body.replace(/\r\n?/g, "\n").trim();
  const firstLine = text.split("\n")[0]!.replace(/\s+/g, " ").trim();
  const subject = Array.from(firstLine).length >= 3 ? cutAtWord(firstLine, SMS_SUBJECT_CHARS) : `SMS from ${from}`;
  const mediaNote = media > 0 ? ` (${media} picture${media === 1 ? "" : "s"} or file${media === 1 ? "" : "s"} attached; open them in the Twilio console)` : "";
  const message = Array.from(text).length >= 10 ? `${text}${mediaNote}` : `SMS from ${from}: ${text || "(no text)"}${mediaNote}`;
  return { subject, message };
}

/** The one answer to a new report by SMS: our reference and the status page, nothing of theirs. */
export function smsReceivedReply(f: { siteName: string; reference: string; statusUrl: string }): string {
  return `${f.siteName}: message received, reference ${f.reference}. The engineer on call is alerted. Status: ${f.statusUrl} Reply STOP to opt out.`;
}

export function smsHelpReply(f: { siteName: string; statusUrl: string; phone: string | null }): string {
  return `${f.siteName} urgent line: text us what is wrong and the engineer on call is alerted${f.phone ? `, or call ${f.phone}` : ""}. Status: ${f.statusUrl} Reply STOP to opt out.`;
}

export function smsUnavailableReply(f: { siteName: string; paged: boolean; email: string | null }): string {
  return f.paged
    ? `${f.siteName}: our systems could not file your message, but it was passed to the engineer on call by a backup route.`
    : `${f.siteName}: our systems could not take your message right now.${f.email ? ` Please email ${f.email}` : " Please try again"} or call us.`;
}

/** Twilio's default keywords (exact, whole message, any case), and its OptOutType values. */
const OPT_OUT = new Set(["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"]);
const OPT_IN = new Set(["START", "YES", "UNSTOP"]);
const HELP = new Set(["HELP", "INFO"]);

export type SmsKeyword = "opt-out" | "opt-in" | "help";

/**
 * Opt-out, opt-in and help messages, as Twilio's Advanced Opt-Out recognises them: the whole
 * message is the keyword ("Stop" is, "stop please" is not). When the number is in a Messaging
 * Service with Advanced Opt-Out, Twilio says which in OptOutType (its own keywords may differ).
 */
export function smsKeyword(body: string, optOutType: string | null): SmsKeyword | null {
  const type = (optOutType ?? "").trim().toUpperCase();
  if (type === "STOP") return "opt-out";
  if (type === "START") return "opt-in";
  if (type === "HELP") return "help";
  const word = body.trim().replace(/[.!]$/, "").toUpperCase();
  if (OPT_OUT.has(word)) return "opt-out";
  if (OPT_IN.has(word)) return "opt-in";
  if (HELP.has(word)) return "help";
  return null;
}

/** Twilio refuses a Body longer than this (https://www.twilio.com/docs/messaging/api/message-resource). */
export const SMS_MAX_CHARS = 1600;

/**
 * A staff reply by SMS: the reply, who wrote it, the reporter's private link (an SMS is as
 * private as their mail) and the reference. A reply too long for one message is cut, never the
 * link or the reference: the whole reply is on the private page.
 */
export function smsStaffReply(f: { siteName: string; reference: string; body: string; staffName: string | null; privateLink: string | null }): string {
  const signature = `-- ${f.staffName ? `${f.staffName}, ` : ""}${f.siteName}`;
  const tail = `\n${signature}\n${f.privateLink ? `Your report ${f.reference}, the whole reply and your answers: ${f.privateLink}` : `Reference ${f.reference}`}`;
  const room = SMS_MAX_CHARS - [...tail].length;
  const body = [...f.body.trim()];
  const text = body.length <= room ? body.join("") : `${body.slice(0, Math.max(0, room - 1)).join("").trimEnd()}…`;
  return `${text}${tail}`;
}
