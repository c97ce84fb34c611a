// The bad-input corpus of real-world-shaped mail: structure, encodings, headers, attachments,
// machine mail and volume. None may crash the handler, lose a real report, or page more than
// the fan-out allows. (Bounces, loops, forged senders and other people's references have their
// own files: machine-mail.test.ts, staff-updates.security.test.ts, threading.security.test.ts;
// the 20 MB recording is in voicemail.test.ts.)
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { listFilesOfReport } from "../../functions/files/queries";
import { listMessages } from "../../functions/reports/queries";
import { drain, quietOnCall, testEnv } from "../alerts/helpers";
import { unique } from "../helpers";
import { inboundRow, kimOnCall, messageIdIn, receive, reportOf } from "./helpers";
import { mail, newMessageId, URGENT, withAttachments } from "./mails";

beforeAll(kimOnCall);
beforeEach(quietOnCall);

const hex = (h: string) => new Uint8Array(h.match(/../g)!.map((b) => parseInt(b, 16)));
/** A mail whose body is raw bytes in some charset (the headers are ASCII). */
function bytesMail(headers: string[], body: Uint8Array): Uint8Array {
  const head = new TextEncoder().encode([...headers, "", ""].join("\r\n"));
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}
const baseHeaders = (messageId: string, extra: string[] = []) => ["From: Yuki <yuki@customer.test>", `To: ${URGENT}`, `Message-ID: ${messageId}`, "Date: Tue, 01 Dec 2026 09:41:00 +0900", "MIME-Version: 1.0", ...extra];

/** Files a mail and returns its report and the report's first message. */
async function file(raw: string | Uint8Array, messageId = messageIdIn(typeof raw === "string" ? raw : new TextDecoder().decode(raw.subarray(0, 2000)))) {
  const t = testEnv();
  const got = await receive(t, { raw, to: URGENT });
  expect(got.thrown).toBeNull();
  const report = (await reportOf(messageId))!;
  expect(report).not.toBeNull();
  const [first] = await listMessages(env.DB, report.id);
  return { t, got, report, text: first!.body };
}

describe("structure", () => {
  it("multipart/alternative: the text part is the report", async () => {
    const b = `alt-${unique("b")}`;
    const { text } = await file(mail({ contentType: `multipart/alternative; boundary="${b}"`, body: [`--${b}`, "Content-Type: text/plain; charset=utf-8", "", "Plain: web12 is down.", `--${b}`, "Content-Type: text/html; charset=utf-8", "", "<p>HTML: web12 is down.</p>", `--${b}--`].join("\r\n") }));
    expect(text).toBe("Plain: web12 is down.");
  });

  it("HTML-only mail with scripts, styles and tracking pixels becomes readable text", async () => {
    const html = [
      "<!doctype html><html><head><title>Newsletter</title><style>p{color:red}</style></head><body>",
      "<script>document.write('steal')</script>",
      "<p>Our <b>shop</b>&nbsp;is down since 09:40 &amp; customers can&#39;t pay.</p>",
      "<ul><li>web12</li><li>web13</li></ul>",
      '<p>See <a href="https://status.customer.test/incident">our status page</a>.</p>',
      '<img src="https://track.test/pixel.gif?u=1" width="1" height="1" alt="">',
      "</body></html>",
    ].join("");
    const { text } = await file(mail({ contentType: "text/html; charset=utf-8", body: html }));
    expect(text).toBe("Our shop is down since 09:40 & customers can't pay.\n\n* web12\n* web13\n\nSee our status page [https://status.customer.test/incident].");
  });

  it("HTML with an unclosed head and an unterminated style still yields the text before the style", async () => {
    const { text } = await file(mail({ contentType: "text/html", body: "<html><head><title>x</title><body><div>Database unreachable</div><style>p{}" }));
    expect(text).toBe("Database unreachable");
  });

  it("broken multipart (the closing boundary never comes) is still filed with its text", async () => {
    const b = `broken-${unique("b")}`;
    const { text } = await file(mail({ contentType: `multipart/mixed; boundary="${b}"`, body: [`--${b}`, "Content-Type: text/plain", "", "Half a mail: mail server full."].join("\r\n") }));
    expect(text).toContain("Half a mail: mail server full.");
  });

  it("a multipart without any boundary parameter is filed", async () => {
    const { report } = await file(mail({ contentType: "multipart/mixed", body: "--x\r\nContent-Type: text/plain\r\n\r\nno boundary declared\r\n--x--" }));
    expect(report.channel).toBe("email");
  });

  it("bare-LF line ends", async () => {
    const { text, report } = await file(mail({ eol: "\n", subject: "LF only", body: "Line one.\nLine two." }));
    expect(report.subject).toBe("LF only");
    expect(text).toBe("Line one.\nLine two.");
  });

  it("bytes that are no mail at all are filed with what could be read, never dropped", async () => {
    const id = newMessageId();
    const raw = new Uint8Array([...new TextEncoder().encode(`Message-ID: ${id}\r\nFrom: z@customer.test\r\n\r\n`), ...crypto.getRandomValues(new Uint8Array(4096))]);
    const { report } = await file(raw, id);
    expect(report.subject).toBe("(mail without a subject)");
  });
});

describe("encodings", () => {
  it("quoted-printable", async () => {
    const { text } = await file(mail({ headers: { "Content-Transfer-Encoding": "quoted-printable" }, body: "Caf=C3=A9 site down, =E2=82=AC50 lost per min=\r\nute." }));
    expect(text).toBe("Café site down, €50 lost per minute.");
  });

  it("base64", async () => {
    const { text } = await file(mail({ headers: { "Content-Transfer-Encoding": "base64" }, body: btoa("Backup server unreachable since 02:00.") }));
    expect(text).toBe("Backup server unreachable since 02:00.");
  });

  it.each([
    ["ISO-8859-1", "iso-8859-1", "436166e920e0206c61206372e86d653a2073746f72696e67", "Café à la crème: storing"],
    ["windows-1252", "windows-1252", "5072696a7320803530209620936b61706f7494", "Prijs €50 – “kapot”"],
    ["Shift_JIS", "Shift_JIS", "8354815b836f815b82aa92e28e7e82b582dc82b582bd81428e8a8b7d91ce899e82b582c482ad82be82b382a28142", "サーバーが停止しました。至急対応してください。"],
  ])("%s", async (_n, charset, body, expected) => {
    const id = newMessageId();
    const { text } = await file(bytesMail([...baseHeaders(id), "Subject: charset test", `Content-Type: text/plain; charset=${charset}`], hex(body)), id);
    expect(text).toBe(expected);
  });

  it("ISO-2022-JP, with an ISO-2022-JP encoded subject (RFC 2047)", async () => {
    const id = newMessageId();
    const body = "\x1b$B%5!<%P!<$,Dd;_$7$^$7$?!#;j5^BP1~$7$F$/$@$5$$!#\x1b(B";
    const { text, report } = await file(bytesMail([...baseHeaders(id), "Subject: =?ISO-2022-JP?B?GyRCJTUhPCVQITw+YzMyGyhC?=", "Content-Type: text/plain; charset=ISO-2022-JP"], new TextEncoder().encode(body)), id);
    expect(report.subject).toBe("サーバー障害");
    expect(text).toBe("サーバーが停止しました。至急対応してください。");
  });

  it("RFC 2047 encoded words in the subject and sender's name (Q and B)", async () => {
    const { report } = await file(mail({ from: "=?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <jm@customer.test>", subject: "=?UTF-8?B?U3RvcmluZzog?= =?ISO-8859-1?Q?caf=E9?=" }));
    expect(report.subject).toBe("Storing: café");
    expect(report.reporter.name).toBe("Jürgen Müller");
  });

  it("control and bidi characters in an encoded subject are cleaned, never carried into headers", async () => {
    const { report, got } = await file(mail({ from: `${unique("bidi")}@customer.test`, subject: "=?UTF-8?Q?Down=0D=0ABcc:_x@evil.test_=E2=80=AEgnp.exe?=" }));
    expect(report.subject).not.toMatch(/[\r\n\u202e]/);
    expect(got.record.replies[0]!.subject).toBe(`[${report.reference}] We received your urgent report`);
  });
});

describe("headers", () => {
  it("no Date and no Message-ID: filed once, however often it is delivered", async () => {
    const t = testEnv();
    const raw = mail({ messageId: null, date: null, subject: `No ids ${unique("s")}` });
    await receive(t, { raw, to: URGENT });
    await receive(t, { raw, to: URGENT });
    const { results } = await env.DB.prepare("SELECT message_id, report_id FROM inbound_emails WHERE subject LIKE ?1").bind(`%${/Subject: (.+)/.exec(raw)![1]!.slice(-12)}%`).all<{ message_id: string; report_id: string }>();
    expect(results).toHaveLength(1);
    expect(results[0]!.message_id).toMatch(/^<[0-9a-f]{32}@no-message-id\.invalid>$/);
    expect(results[0]!.report_id).not.toBeNull();
  });

  it("a 10 KB subject is shortened for the report and kept whole in the raw mail", async () => {
    const long = `Down ${"x".repeat(10_000)}`;
    const { report } = await file(mail({ subject: long }));
    expect(report.subject.length).toBe(200);
    expect(report.subject.endsWith("…")).toBe(true);
  });

  it("500 recipients", async () => {
    const to = Array.from({ length: 500 }, (_, i) => `person${i}@customer.test`).join(",\r\n ");
    const raw = mail({ headers: { Cc: to }, subject: "Sent to everyone" });
    const { report } = await file(raw);
    expect(report.subject).toBe("Sent to everyone");
  });
});

describe("attachments", () => {
  it("names with path traversal are stored under safe names and listed on the report", async () => {
    const raw = withAttachments({
      subject: "Logs attached",
      messageId: newMessageId(),
      text: "See the logs.",
      attachments: [
        { name: "../../../etc/passwd", type: "text/plain", bytes: new TextEncoder().encode("root:x:0:0") },
        { name: "..\\..\\windows\\win.ini", type: "application/octet-stream", bytes: new Uint8Array([1, 2, 3]) },
        { name: "\u202eexe.pdf", type: "text/html", bytes: new TextEncoder().encode("<script>alert(1)</script>") },
      ],
    });
    const { report, text } = await file(raw);
    const files = (await listFilesOfReport(env.DB, report.id)).filter((f) => f.kind === "attachment");
    expect(files.map((f) => f.name).sort()).toEqual(["exe.pdf", "passwd", "win.ini"]);
    expect(files.find((f) => f.name === "exe.pdf")!.contentType).toBe("text/html"); // served as bytes, never as a page
    expect(text).toContain("- passwd (text/plain, 1 KB)");
    for (const f of files) expect(f.r2Key).toMatch(/^attachment\/\d{4}-\d{2}-\d{2}\/f_[0-9a-f]{20}$/);
  });
});

describe("machine mail", () => {
  it("an out-of-office reply that answers nothing of ours is kept and shown to staff, never a report, never answered", async () => {
    const t = testEnv();
    const raw = mail({ from: "quinn@customer.test", subject: "Out of Office: back on Monday", headers: { "Auto-Submitted": "auto-replied" } });
    const got = await receive(t, { raw, to: URGENT });
    expect((await inboundRow(messageIdIn(raw)))!).toMatchObject({ kind: "auto-reply", reportId: null, state: "processed" });
    expect(got.record.replyAttempts).toBe(0);
    expect(t.queued.filter((q) => q.body.type === "report.received")).toHaveLength(0);
  });
});

describe("volume", () => {
  it("1,000 mails from one sender in a minute: all stored, one alert, one auto-reply", async () => {
    const t = testEnv();
    const start = new Date();
    const sender = `flood-${unique("f")}@customer.test`;
    let replies = 0;
    const ids: string[] = [];
    for (let batch = 0; batch < 1000; batch += 25) {
      await Promise.all(
        Array.from({ length: 25 }, async (_, k) => {
          const i = batch + k;
          const messageId = newMessageId();
          ids.push(messageId);
          const got = await receive(t, { raw: mail({ from: sender, messageId, subject: "Everything is down", body: `Attempt ${i}: nothing loads at all.` }), to: URGENT }, new Date(start.getTime() + i * 60));
          replies += got.record.replies.length;
        }),
      );
    }
    const stored = await env.DB.prepare("SELECT COUNT(*) AS n, COUNT(raw_file_id) AS raw, COUNT(report_id) AS reports FROM inbound_emails WHERE mail_from = ?1").bind(sender).first<{ n: number; raw: number; reports: number }>();
    expect(stored).toEqual({ n: 1000, raw: 1000, reports: 1000 });
    expect(replies).toBe(1);

    await drain(t, new Date(start.getTime() + 61_000));
    const alerts = await env.DB.prepare("SELECT COUNT(DISTINCT alert_id) AS n FROM reports WHERE reporter_email = ?1").bind(sender).first<{ n: number }>();
    expect(alerts!.n).toBe(1);
    const pages = await env.DB.prepare("SELECT COUNT(*) AS n FROM deliveries d JOIN reports r ON r.alert_id = d.alert_id WHERE r.reporter_email = ?1 AND d.purpose = 'page' GROUP BY r.id LIMIT 1").bind(sender).first<{ n: number }>();
    expect(pages!.n).toBe(2); // Kim, once, on each of her two contact methods
  }, 300_000);
});
