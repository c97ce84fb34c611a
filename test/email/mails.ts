// Raw mails for the tests, shaped like real ones. Each test gives its own Message-ID (unique()),
// so tests in one file never see each other's rows.
import { unique } from "../helpers";

export const URGENT = "urgent@status.example-hosting.test";
export const VOICEMAIL = "voicemail@status.example-hosting.test";
export const SUPPORT = "support@status.example-hosting.test";
export const UPDATES = "updates@status.example-hosting.test";
export const STAFF = "staff@example-hosting.test";

export const newMessageId = (domain = "customer.test") => `<${unique("m")}.${Date.now()}@${domain}>`;

export interface MailParts {
  from?: string;
  to?: string;
  subject?: string;
  messageId?: string | null;
  date?: string | null;
  headers?: Record<string, string>;
  /** The body, after the headers; with `contentType` set it is the whole MIME body. */
  body?: string;
  contentType?: string;
  eol?: "\r\n" | "\n";
}

/** A mail as text: headers (in order), a blank line, the body. */
export function mail(p: MailParts = {}): string {
  const eol = p.eol ?? "\r\n";
  const lines = [
    `From: ${p.from ?? "Alice Customer <alice@customer.test>"}`,
    `To: ${p.to ?? URGENT}`,
    ...(p.subject === undefined ? ["Subject: Our sites are down"] : [`Subject: ${p.subject}`]),
    ...(p.messageId === null ? [] : [`Message-ID: ${p.messageId ?? newMessageId()}`]),
    ...(p.date === null ? [] : [`Date: ${p.date ?? "Tue, 01 Dec 2026 09:41:00 +0100"}`]),
    "MIME-Version: 1.0",
    ...Object.entries(p.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    `Content-Type: ${p.contentType ?? "text/plain; charset=utf-8"}`,
    "",
    p.body ?? "Since 09:40 every site on web12 answers 502. Please call me: +31 6 1234 5678.",
    "",
  ];
  return lines.join(eol);
}

function base64Lines(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 8192) bin += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return btoa(bin).replace(/.{76}/g, "$&\r\n");
}

/** A MIME quoted-string's content: backslash and quote escaped (RFC 2045 quoted-pair). */
const quoted = (v: string) => v.replace(/[\\"]/g, "\\$&");

/** multipart/mixed with a text part and attachments (base64). */
export function withAttachments(p: MailParts & { text: string; attachments: Array<{ name: string; type: string; bytes: Uint8Array; disposition?: string }> }): string {
  const boundary = `b-${unique("x")}`;
  const parts = [
    `--${boundary}`,
    "Content-Type: text/plain; charset=utf-8",
    "",
    p.text,
    ...p.attachments.flatMap((a) => [
      `--${boundary}`,
      `Content-Type: ${a.type}; name="${quoted(a.name)}"`,
      `Content-Disposition: ${a.disposition ?? "attachment"}; filename="${quoted(a.name)}"`,
      "Content-Transfer-Encoding: base64",
      "",
      base64Lines(a.bytes),
    ]),
    `--${boundary}--`,
  ];
  return mail({ ...p, contentType: `multipart/mixed; boundary="${boundary}"`, body: parts.join("\r\n") });
}

/** A PCM WAV file: `seconds` of a 440 Hz tone, 8 kHz, 8-bit mono (8,000 bytes a second). */
export function wav(seconds: number, sampleRate = 8000): Uint8Array {
  const samples = Math.round(seconds * sampleRate);
  const b = new Uint8Array(44 + samples);
  const v = new DataView(b.buffer);
  const ascii = (o: number, s: string) => [...s].forEach((c, i) => (b[o + i] = c.charCodeAt(0)));
  ascii(0, "RIFF");
  v.setUint32(4, 36 + samples, true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true); // PCM
  v.setUint16(22, 1, true); // mono
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate, true); // byte rate: 1 byte per sample
  v.setUint16(32, 1, true);
  v.setUint16(34, 8, true);
  ascii(36, "data");
  v.setUint32(40, samples, true);
  for (let i = 0; i < samples; i++) b[44 + i] = 128 + Math.round(60 * Math.sin((2 * Math.PI * 440 * i) / sampleRate));
  return b;
}

/** A voicemail as telephone messaging services send it. */
export function voicemailMail(p: { caller?: string; seconds?: number; messageId?: string; audio?: Uint8Array; from?: string } = {}): string {
  return withAttachments({
    from: p.from ?? "Voicemail Service <voicemail@phone-service.test>",
    to: VOICEMAIL,
    subject: `New voicemail from ${p.caller ?? "+31 20 123 4567"}`,
    messageId: p.messageId ?? newMessageId("phone-service.test"),
    text: `You have a new voicemail.\r\nCaller: ${p.caller ?? "+31 20 123 4567"}\r\nReceived: 01-12-2026 03:12\r\n`,
    attachments: [{ name: "voicemail.wav", type: "audio/wav", bytes: p.audio ?? wav(p.seconds ?? 42) }],
  });
}

/** A delivery status notification (RFC 3464) about a mail with `originalMessageId`. */
export function dsnMail(p: { originalMessageId: string; recipient: string; action?: string; status?: string; extraHeaders?: string; to?: string }): string {
  const boundary = `dsn-${unique("x")}`;
  const body = [
    `--${boundary}`,
    "Content-Type: text/plain; charset=us-ascii",
    "",
    "This is the mail system at host mx.ops.test.",
    "I'm sorry to have to inform you that your message could not be delivered.",
    "",
    `<${p.recipient}>: host mx.ops.test said: 550 5.1.1 User unknown`,
    `--${boundary}`,
    "Content-Type: message/delivery-status",
    "",
    "Reporting-MTA: dns; mx.ops.test",
    "",
    `Final-Recipient: rfc822; ${p.recipient}`,
    `Action: ${p.action ?? "failed"}`,
    `Status: ${p.status ?? "5.1.1"}`,
    "Diagnostic-Code: smtp; 550 5.1.1 <" + p.recipient + ">: Recipient address rejected: User unknown",
    "",
    `--${boundary}`,
    "Content-Type: text/rfc822-headers",
    "",
    "From: status@example-hosting.test",
    `To: ${p.recipient}`,
    "Subject: [7KQ2M] ALERT",
    `Message-ID: ${p.originalMessageId}`,
    ...(p.extraHeaders ? [p.extraHeaders] : []),
    "",
    `--${boundary}--`,
  ].join("\r\n");
  return mail({
    from: "MAILER-DAEMON@mx.ops.test (Mail Delivery System)",
    to: p.to ?? "status@example-hosting.test",
    subject: "Undelivered Mail Returned to Sender",
    messageId: newMessageId("mx.ops.test"),
    contentType: `multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    body,
  });
}
