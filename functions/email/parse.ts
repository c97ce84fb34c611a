// A raw mail as this Worker reads it: postal-mime parses the MIME structure, encodings and
// charsets; HTML-only mail becomes text through html-text.ts. Parsing never fails: a mail that
// postal-mime cannot read is still a mail, with its headers and a note that the body could
// not be read (the raw mail is in R2 for staff).
import PostalMime from "postal-mime";
import { bareAddress } from "./addresses.pure";
import { firstHeader, headerBlockOf, parseHeaderBlock, type HeaderLine } from "./headers.pure";
import { htmlToText } from "./html-text";

export interface ParsedAttachment {
  filename: string | null;
  contentType: string;
  disposition: string | null;
  contentId: string | null;
  bytes: Uint8Array;
}

export interface ParsedMail {
  headers: HeaderLine[];
  /** The top-level Content-Type, lower-cased, with its parameters. */
  contentType: string;
  subject: string;
  from: { address: string; name: string | null };
  replyTo: string | null;
  messageId: string | null;
  inReplyTo: string | null;
  references: string | null;
  /** Plain text: the text part, or the HTML part converted. */
  text: string;
  /** Whether `text` came from HTML. */
  fromHtml: boolean;
  attachments: ParsedAttachment[];
  /** Why the body could not be read, when it could not. */
  parseError: string | null;
}

/** Bounds on what the parser hands over (the raw mail itself is kept whole in R2). */
export const MAX_ATTACHMENTS = 50;
export const MAX_TEXT_CHARS = 1_000_000;

function firstMailbox(value: unknown): { address: string; name: string | null } {
  const v = value as { address?: string; name?: string; group?: Array<{ address?: string; name?: string }> } | undefined;
  const box = v?.group ? v.group[0] : v;
  return { address: bareAddress(box?.address ?? ""), name: box?.name?.trim() || null };
}

function toBytes(content: ArrayBuffer | Uint8Array | string): Uint8Array {
  if (typeof content === "string") return new TextEncoder().encode(content);
  return content instanceof Uint8Array ? content : new Uint8Array(content);
}

/** Header-only reading, for mail postal-mime refuses. */
function fromHeaders(raw: Uint8Array, error: string): ParsedMail {
  const headers = parseHeaderBlock(headerBlockOf(raw));
  const from = firstHeader(headers, "from") ?? "";
  const name = /^\s*"?([^"<]*?)"?\s*</.exec(from)?.[1]?.trim() || null;
  return {
    headers,
    contentType: (firstHeader(headers, "content-type") ?? "text/plain").toLowerCase(),
    subject: firstHeader(headers, "subject") ?? "",
    from: { address: bareAddress(from), name },
    replyTo: firstHeader(headers, "reply-to"),
    messageId: firstHeader(headers, "message-id"),
    inReplyTo: firstHeader(headers, "in-reply-to"),
    references: firstHeader(headers, "references"),
    text: "",
    fromHtml: false,
    attachments: [],
    parseError: error,
  };
}

export async function parseMail(raw: Uint8Array): Promise<ParsedMail> {
  let email: Awaited<ReturnType<typeof PostalMime.parse>>;
  try {
    email = await PostalMime.parse(raw, { forceRfc822Attachments: true, attachmentEncoding: "arraybuffer" });
  } catch (err) {
    return fromHeaders(raw, err instanceof Error ? err.message : String(err));
  }
  const headers: HeaderLine[] = email.headers.map((h) => ({ name: h.key, value: h.value }));
  let text = email.text ?? "";
  let fromHtml = false;
  if (!text.trim() && email.html) {
    text = await htmlToText(email.html);
    fromHtml = true;
  }
  return {
    headers,
    contentType: (firstHeader(headers, "content-type") ?? "text/plain").toLowerCase(),
    subject: email.subject ?? "",
    from: firstMailbox(email.from),
    replyTo: email.replyTo?.[0] ? firstMailbox(email.replyTo[0]).address || null : null,
    messageId: email.messageId ?? null,
    inReplyTo: email.inReplyTo ?? null,
    references: email.references ?? null,
    text: text.slice(0, MAX_TEXT_CHARS),
    fromHtml,
    attachments: email.attachments.slice(0, MAX_ATTACHMENTS).map((a) => ({
      filename: a.filename,
      contentType: a.mimeType || "application/octet-stream",
      disposition: a.disposition,
      contentId: a.contentId ?? null,
      bytes: toBytes(a.content),
    })),
    parseError: null,
  };
}
