// The hotline's TwiML: a greeting in the company's name, one sentence of live status, then
// <Record> with a maximum length, a silence timeout, a recording callback and (when Twilio
// transcribes) a transcription callback. Built as text; every value is escaped for XML and
// stripped of characters XML 1.0 cannot carry (staff-typed names reach the greeting).
// https://www.twilio.com/docs/voice/twiml/record

// Characters XML 1.0 forbids (C0 controls but tab/newline/return, lone surrogates, U+FFFE/F).
const XML_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const XML_ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };

export function xmlEscape(text: string): string {
  return text.replace(XML_FORBIDDEN, "").replace(/[&<>"']/g, (ch) => XML_ENTITIES[ch]!);
}

function say(text: string): string {
  return `<Say>${xmlEscape(text)}</Say>`;
}

function attributes(attrs: Record<string, string | number | boolean>): string {
  return Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join("");
}

export interface RecordSettings {
  /** Seconds: the longest message. Twilio transcribes recordings under 120 s only. */
  maxLength: number;
  /** Seconds of silence that end the message. */
  timeout: number;
  /** Where Twilio goes when the recording ends (it answers with the goodbye). */
  actionUrl: string;
  /** Where Twilio posts the finished (or absent) recording. */
  recordingStatusCallback: string;
  /** Where Twilio posts its transcription; null when Twilio is not to transcribe. */
  transcribeCallback: string | null;
  /** Where the call goes when nothing was recorded (Twilio continues after <Record>). */
  emptyUrl: string;
}

export interface Greeting {
  companyName: string;
  /** One sentence of live status (status-sentence.pure.ts). */
  status: string;
  record: RecordSettings;
}

export const GREETING_PROMPT =
  "Please leave a message after the tone: your name, the number to call you back on, and what is wrong. Press the hash key or hang up when you are done. The engineer on call is alerted at once.";

/** The answer to an incoming call (the body of <Response>). */
export function greetingTwiml(g: Greeting): string {
  const r = g.record;
  const record = attributes({
    action: r.actionUrl,
    method: "POST",
    maxLength: r.maxLength,
    timeout: r.timeout,
    finishOnKey: "#",
    playBeep: true,
    trim: "trim-silence",
    recordingStatusCallback: r.recordingStatusCallback,
    recordingStatusCallbackMethod: "POST",
    recordingStatusCallbackEvent: "completed absent",
    ...(r.transcribeCallback ? { transcribe: true, transcribeCallback: r.transcribeCallback } : {}),
  });
  return (
    say(`Hello, you have reached the urgent line of ${g.companyName}.`) +
    say(g.status) +
    say(GREETING_PROMPT) +
    `<Record${record}/>` +
    // Reached only when nothing was recorded: Twilio then goes on to the next verb.
    `<Redirect method="POST">${xmlEscape(r.emptyUrl)}</Redirect>`
  );
}

/** After a message was recorded. */
export function thanksTwiml(companyName: string): string {
  return say(`Thank you. Your message has reached the engineer on call at ${companyName}. Goodbye.`) + "<Hangup/>";
}

/** After a recording that stayed empty: the call is still noted, as a missed call. */
export function nothingRecordedTwiml(): string {
  return say("We did not hear a message. We have noted your call and your number; the engineer on call will call you back if they can. Goodbye.") + "<Hangup/>";
}
