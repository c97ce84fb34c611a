// Machine mail and who may be answered, as tables (classify.pure.ts, addresses.pure.ts,
// headers.pure.ts).
import { describe, expect, it } from "vitest";
import { bareAddress, baseAddress, intakeEntryFor, ownAddresses } from "../../functions/email/addresses.pure";
import { autoReplyRefusal, classifyMail, type MailFacts } from "../../functions/email/classify.pure";
import { firstHeader, headerBlockOf, parseHeaderBlock } from "../../functions/email/headers.pure";
import { readEmailIntake } from "../../contract/email-intake";

const own = new Set(["urgent@status.example.test", "status@example.test"]);
const facts = (p: Partial<MailFacts> & { h?: Record<string, string> } = {}): MailFacts => ({
  headers: Object.entries(p.h ?? {}).map(([name, value]) => ({ name: name.toLowerCase(), value })),
  envelopeFrom: p.envelopeFrom ?? "alice@customer.test",
  headerFrom: p.headerFrom ?? "alice@customer.test",
  subject: p.subject ?? "Sites down",
  contentType: p.contentType ?? "text/plain; charset=utf-8",
  own,
});

describe("classifyMail", () => {
  it.each<[string, MailFacts, string | null, boolean]>([
    ["a person's mail", facts(), null, false],
    ["a DSN", facts({ contentType: 'multipart/report; report-type=delivery-status; boundary="x"', envelopeFrom: "" }), "bounce", false],
    ["a read receipt (MDN)", facts({ contentType: "multipart/report; report-type=disposition-notification" }), "delivery-report", false],
    ["a prose bounce from MAILER-DAEMON", facts({ envelopeFrom: "", headerFrom: "MAILER-DAEMON@mx.test", subject: "Undelivered Mail Returned to Sender" }), "bounce", false],
    ["a postmaster failure notice", facts({ envelopeFrom: "postmaster@mx.test", subject: "failure notice" }), "bounce", false],
    ["Auto-Submitted: auto-replied", facts({ h: { "Auto-Submitted": "auto-replied" } }), "auto-reply", false],
    ["Auto-Submitted: auto-generated (with a comment)", facts({ h: { "Auto-Submitted": "auto-generated; x" } }), "auto-reply", false],
    ["Auto-Submitted: no", facts({ h: { "Auto-Submitted": "no" } }), null, false],
    ["X-Autoreply", facts({ h: { "X-Autoreply": "yes" } }), "auto-reply", false],
    ["Precedence: auto_reply", facts({ h: { Precedence: "auto_reply" } }), "auto-reply", false],
    ["an Outlook out-of-office subject", facts({ subject: "Automatic reply: Sites down" }), "auto-reply", false],
    ["a Dutch out-of-office subject", facts({ subject: "Afwezig: tot maandag" }), "auto-reply", false],
    ["a German out-of-office subject", facts({ subject: "Abwesenheitsnotiz: Urlaub" }), "auto-reply", false],
    ["our own address coming back", facts({ headerFrom: "Example <urgent@status.example.test>" }), "loop", false],
    ["our own sub-address coming back", facts({ envelopeFrom: "urgent+x@status.example.test" }), "loop", false],
    ["a mailing list", facts({ h: { "List-Id": "<ops.lists.test>" } }), null, true],
    ["bulk mail", facts({ h: { Precedence: "bulk" } }), null, true],
    ["a subject that only mentions absence", facts({ subject: "Our server is absent from DNS" }), null, false],
  ])("%s", (_n, f, machine, bulk) => {
    const c = classifyMail(f);
    expect(c.machine).toBe(machine);
    expect(c.bulk).toBe(bulk);
  });
});

describe("autoReplyRefusal (RFC 3834 §2)", () => {
  it.each<[string, MailFacts, RegExp | null]>([
    ["a person", facts(), null],
    ["an empty envelope sender", facts({ envelopeFrom: "" }), /empty Return-Path/],
    ["Return-Path: <>", facts({ h: { "Return-Path": "<>" } }), /empty Return-Path/],
    ["noreply", facts({ envelopeFrom: "noreply@shop.test" }), /noreply@/],
    ["no-reply", facts({ envelopeFrom: "no-reply@shop.test" }), /no-reply@/],
    ["do-not-reply", facts({ envelopeFrom: "do-not-reply@shop.test" }), /do-not-reply@/],
    ["MAILER-DAEMON", facts({ envelopeFrom: "MAILER-DAEMON@mx.test", subject: "hello" }), /mailer-daemon@/],
    ["a list's bounce address", facts({ envelopeFrom: "ops-bounces@lists.test" }), /ops-bounces@/],
    ["an auto-reply", facts({ h: { "Auto-Submitted": "auto-replied" } }), /machine mail/],
    ["a list", facts({ h: { "List-Unsubscribe": "<https://x.test/u>" } }), /bulk or list/],
    ["Precedence: junk", facts({ h: { Precedence: "junk" } }), /bulk or list/],
    ["X-Auto-Response-Suppress: All", facts({ h: { "X-Auto-Response-Suppress": "All" } }), /X-Auto-Response-Suppress/],
    ["X-Auto-Response-Suppress: DR, RN (only receipts)", facts({ h: { "X-Auto-Response-Suppress": "DR, RN" } }), null],
    ["our own address", facts({ envelopeFrom: "status@example.test", headerFrom: "x@y.test" }), /machine mail|own address/],
    ["not an address", facts({ envelopeFrom: "nonsense" }), /not an address/],
  ])("%s", (_n, f, refusal) => {
    const r = autoReplyRefusal(f, classifyMail(f));
    if (refusal) expect(r).toMatch(refusal);
    else expect(r).toBeNull();
  });
});

describe("addresses", () => {
  const intake = readEmailIntake([
    { address: "urgent@status.example.test", urgency: "critical", forward_to: ["noc@example.test"] },
    { address: "updates@status.example.test", purpose: "status", staff: ["staff@example.test"] },
  ]);

  it.each([
    ["Alice <ALICE@Customer.test>", "alice@customer.test"],
    ["  bob@x.test ", "bob@x.test"],
    ["mailto:c@x.test", "c@x.test"],
    ["", ""],
  ])("bareAddress(%j) = %j", (input, expected) => expect(bareAddress(input)).toBe(expected));

  it("matches a recipient, its sub-address and case to the intake entry", () => {
    expect(intakeEntryFor(intake.entries, "URGENT+web12@status.example.test")).toMatchObject({ entry: { address: "urgent@status.example.test" }, fallback: false });
    expect(baseAddress("a+b+c@x.test")).toBe("a@x.test");
  });

  it("handles an unlisted recipient as the first report address, and without configuration as its own report address", () => {
    expect(intakeEntryFor(intake.entries, "replies@status.example.test")).toMatchObject({ entry: { address: "urgent@status.example.test", purpose: "report" }, fallback: true });
    expect(intakeEntryFor([], "help@x.test")).toMatchObject({ entry: { address: "help@x.test", purpose: "report", forwardTo: [] }, fallback: true });
  });

  it("counts intake addresses and MAIL_FROM as our own, not forward destinations", () => {
    const mine = ownAddresses(intake.entries, "Status <status@example.test>");
    expect([...mine].sort()).toEqual(["status@example.test", "updates@status.example.test", "urgent@status.example.test"]);
  });
});

describe("EMAIL_INTAKE", () => {
  it.each<[string, unknown, RegExp | null]>([
    ["absent", undefined, null],
    ["a TOML array of tables", [{ address: "u@x.test", forward_to: ["a@y.test"] }], null],
    ["a JSON string (a --var override)", JSON.stringify([{ address: "u@x.test" }]), null],
    ["not JSON", "urgent@x", /not JSON/],
    ["a bad address", [{ address: "urgent" }], /\[0\]\.address/],
    ["an unknown key", [{ address: "u@x.test", forward: ["a@y.test"] }], /Unrecognized key/i],
    ["an address twice", [{ address: "u@x.test" }, { address: "U@x.test" }], /listed twice/],
    ["a bad urgency", [{ address: "u@x.test", urgency: "panic" }], /urgency/],
  ])("%s", (_n, value, error) => {
    const r = readEmailIntake(value);
    if (error) {
      expect(r.error).toMatch(error);
      expect(r.entries).toEqual([]);
    } else expect(r.error).toBeNull();
  });

  it("gives each entry its defaults", () => {
    expect(readEmailIntake([{ address: " Urgent@X.test " }]).entries[0]).toEqual({
      address: "urgent@x.test",
      purpose: "report",
      urgency: "high",
      component: null,
      forwardTo: [],
      autoReply: true,
      staff: [],
    });
  });
});

describe("header blocks", () => {
  it("reads fields in order, unfolds continuations and stops at the blank line", () => {
    const raw = "Received: from a\r\n\tby b\r\nAuthentication-Results: mx.test; dmarc=pass\r\nAuthentication-Results: forged; dmarc=pass\r\nSubject: hi\r\n\r\nAuthentication-Results: body\r\n";
    const h = parseHeaderBlock(headerBlockOf(new TextEncoder().encode(raw)));
    expect(h.map((x) => x.name)).toEqual(["received", "authentication-results", "authentication-results", "subject"]);
    expect(h[0]!.value).toBe("from a by b");
    expect(firstHeader(h, "Authentication-Results")).toBe("mx.test; dmarc=pass");
  });

  it("reads bare-LF mail the same", () => {
    expect(parseHeaderBlock(headerBlockOf("A: 1\nB: 2\n\nC: 3")).map((x) => x.name)).toEqual(["a", "b"]);
  });
});
