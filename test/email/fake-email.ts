// The email() handler has no test helper: this builds a ForwardableEmailMessage from a raw
// RFC 822 text and records what the handler does with it.
export function fakeEmail(opts: { from: string; to: string; messageId: string; subject: string; body?: string; rawSize?: number; raw?: string }) {
  const raw =
    opts.raw ??
    [
      `From: ${opts.from}`,
      `To: ${opts.to}`,
      `Subject: ${opts.subject}`,
      `Message-ID: ${opts.messageId}`,
      "Date: Sat, 28 Nov 2026 10:00:00 +0000",
      "Content-Type: text/plain; charset=utf-8",
      "",
      opts.body ?? "Our site is down since 09:40. Please help.",
      "",
    ].join("\r\n");
  const bytes = new TextEncoder().encode(raw);
  const record = { rejected: null as string | null, forwarded: [] as string[], replies: 0 };
  const message = {
    from: opts.from,
    to: opts.to,
    headers: new Headers({ subject: opts.subject, "message-id": opts.messageId }),
    raw: new Response(bytes).body!,
    rawSize: opts.rawSize ?? bytes.byteLength,
    setReject(reason: string) {
      record.rejected = reason;
    },
    async forward(rcptTo: string) {
      record.forwarded.push(rcptTo);
      return { messageId: "<fwd@test>" };
    },
    async reply() {
      record.replies++;
      return { messageId: "<reply@test>" };
    },
  } as unknown as ForwardableEmailMessage;
  return {
    message,
    get rejected() {
      return record.rejected;
    },
    record,
  };
}
