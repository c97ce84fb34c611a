// The email() handler has no test helper: this builds a ForwardableEmailMessage from a raw
// RFC 822 text as Email Routing hands it over (envelope from/to, parsed headers, the raw stream,
// its size) and records what the handler does with it: forwards, replies, a rejection. Its
// reply() refuses what Cloudflare's refuses (automatic mail; see miniflare's validate.ts).
import { parseHeaderBlock, headerBlockOf } from "../../functions/email/headers.pure";

export interface FakeEmailOptions {
  raw: string | Uint8Array;
  to: string;
  /** The envelope sender (MAIL FROM); the From header's address when left out. */
  from?: string;
  /** Forwards to these destinations (or all, with `true`) fail as an unverified address does. */
  forwardFails?: boolean | string[];
  /** reply() throws (as it does when DMARC did not pass). */
  replyFails?: boolean;
}

export interface RecordedReply {
  from: string;
  subject: string;
  text?: string;
  headers?: Record<string, string>;
}

export function fakeEmail(opts: FakeEmailOptions) {
  const bytes = typeof opts.raw === "string" ? new TextEncoder().encode(opts.raw) : opts.raw;
  const headerLines = parseHeaderBlock(headerBlockOf(bytes)).filter((h) => h.name !== "bcc");
  const headers = new Headers();
  for (const h of headerLines) {
    try {
      headers.append(h.name, h.value);
    } catch {
      // A value Headers refuses (a bare CR): Cloudflare's parser would have dropped it too.
    }
  }
  const fromHeader = headerLines.find((h) => h.name === "from")?.value ?? "";
  const envelopeFrom = opts.from ?? (/<([^>]+)>/.exec(fromHeader)?.[1] ?? fromHeader).trim();
  const record = {
    rejected: null as string | null,
    forwards: [] as Array<{ to: string; headers: Record<string, string> }>,
    replies: [] as RecordedReply[],
    replyAttempts: 0,
  };
  const message = {
    from: envelopeFrom,
    to: opts.to,
    headers,
    raw: new Response(bytes).body!,
    rawSize: bytes.byteLength,
    canBeForwarded: true,
    setReject(reason: string) {
      record.rejected = reason;
    },
    async forward(rcptTo: string, extra?: Headers) {
      const fails = opts.forwardFails === true || (Array.isArray(opts.forwardFails) && opts.forwardFails.includes(rcptTo));
      if (fails) throw new Error(`destination address ${rcptTo} is not verified`);
      record.forwards.push({ to: rcptTo, headers: Object.fromEntries(extra?.entries() ?? []) });
      return { messageId: `<fwd-${crypto.randomUUID()}@forward.test>` };
    },
    async reply(builder: RecordedReply) {
      record.replyAttempts++;
      const autoSubmitted = headers.get("auto-submitted")?.toLowerCase();
      if (autoSubmitted && autoSubmitted !== "no") throw new Error("Original email is not replyable");
      if (opts.replyFails) throw new Error("reply not allowed: DMARC did not pass");
      record.replies.push(builder);
      return { messageId: `<reply-${crypto.randomUUID()}@status.example-hosting.test>` };
    },
  } as unknown as ForwardableEmailMessage;
  return { message, record };
}
