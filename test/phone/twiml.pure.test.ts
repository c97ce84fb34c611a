// The spoken status for each overall status, and the greeting's TwiML parsed as XML: the
// <Record> attributes, escaping of staff-typed names, characters XML cannot carry.
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { spokenList, spokenStatus, type StatusSnapshot } from "../../functions/phone/status-sentence.pure";
import { greetingTwiml, nothingRecordedTwiml, thanksTwiml, xmlEscape } from "../../functions/phone/twiml.pure";

const up = (name: string) => ({ name, status: "operational" as const });
const snapshot = (s: Partial<StatusSnapshot>): StatusSnapshot => ({ indicator: "none", components: [], incidents: [], maintenance: [], ...s });

describe("the spoken status", () => {
  it.each<[string, StatusSnapshot | null, string]>([
    ["all operational", snapshot({ components: [up("Mail"), up("DNS")] }), "All systems are operational."],
    ["no components at all", snapshot({}), "All systems are operational."],
    [
      "a major outage of one component (minor page indicator aside)",
      snapshot({ indicator: "major", components: [{ name: "Mail", status: "major_outage" }, up("DNS")] }),
      "Our status page reports a major outage of Mail; we are working on it.",
    ],
    [
      "a partial outage",
      snapshot({ indicator: "minor", components: [{ name: "Web hosting", status: "partial_outage" }, up("DNS")] }),
      "Our status page reports a partial outage of Web hosting; we are working on it.",
    ],
    [
      "degraded performance",
      snapshot({ indicator: "minor", components: [{ name: "Backups", status: "degraded_performance" }] , incidents: []}),
      "Our status page reports degraded performance of Backups; we are working on it.",
    ],
    [
      "several kinds at once, worst first",
      snapshot({
        indicator: "major",
        components: [
          { name: "DNS", status: "degraded_performance" },
          { name: "Mail", status: "major_outage" },
          { name: "Web hosting", status: "partial_outage" },
          { name: "Databases", status: "major_outage" },
        ],
      }),
      "Our status page reports a major outage of Mail and Databases, a partial outage of Web hosting, and degraded performance of DNS; we are working on it.",
    ],
    [
      "everything down (critical)",
      snapshot({ indicator: "critical", components: [{ name: "Mail", status: "major_outage" }, { name: "DNS", status: "major_outage" }] }),
      "Our status page reports a major outage of all our services; we are working on it.",
    ],
    [
      "many components named up to three",
      snapshot({ indicator: "major", components: [...["A", "B", "C", "D", "E"].map((name) => ({ name, status: "major_outage" as const })), up("F")] }),
      "Our status page reports a major outage of A, B, C and 2 other services; we are working on it.",
    ],
    [
      "an incident without component changes",
      snapshot({ indicator: "minor", components: [up("Mail")], incidents: [{ name: "Mail delayed", impact: "minor" }] }),
      "Our status page reports an incident: Mail delayed; we are working on it.",
    ],
    [
      "two incidents",
      snapshot({ indicator: "major", incidents: [{ name: "Mail delayed", impact: "major" }, { name: "Slow panel", impact: "minor" }] }),
      "Our status page reports an incident: Mail delayed, and 1 other incident; we are working on it.",
    ],
    [
      "maintenance in progress",
      snapshot({ indicator: "maintenance", components: [{ name: "Network", status: "under_maintenance" }, up("Mail")], maintenance: [{ name: "Router update" }] }),
      "Planned maintenance is in progress: Router update. Everything else is operational.",
    ],
    ["storage unreadable", null, "We cannot read our status page at this moment, so we do not know yet whether this is a known problem."],
  ])("%s", (_name, status, sentence) => {
    expect(spokenStatus(status)).toBe(sentence);
  });

  it.each([
    [[], ""],
    [["Mail"], "Mail"],
    [["Mail", "DNS"], "Mail and DNS"],
    [["Mail", "DNS", "Web"], "Mail, DNS and Web"],
    [["Mail", "DNS", "Web", "Backups"], "Mail, DNS, Web and 1 other service"],
    [["  Mail\n ", ""], "Mail"],
  ])("names %j as %j", (names, spoken) => {
    expect(spokenList(names)).toBe(spoken);
  });
});

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "", isArray: (n) => n === "Say" });
const record = {
  maxLength: 119,
  timeout: 8,
  actionUrl: "https://status.test/hooks/twilio/voicemail/abc?from=%2B31612345678",
  recordingStatusCallback: "https://status.test/hooks/twilio/recording/abc?from=%2B31612345678",
  transcribeCallback: "https://status.test/hooks/twilio/transcription/abc?from=%2B31612345678",
  emptyUrl: "https://status.test/hooks/twilio/voicemail/abc?from=%2B31612345678&empty=1",
};

function parse(body: string) {
  const doc = `<?xml version="1.0" encoding="UTF-8"?><Response>${body}</Response>`;
  expect(XMLValidator.validate(doc)).toBe(true);
  return (parser.parse(doc) as { Response: Record<string, unknown> }).Response;
}

describe("the greeting's TwiML", () => {
  it("greets in the company's name, speaks the status, and records with a length, a timeout and callbacks", () => {
    const r = parse(greetingTwiml({ companyName: "Example Hosting", status: "All systems are operational.", record }));
    expect(r.Say).toEqual([
      "Hello, you have reached the urgent line of Example Hosting.",
      "All systems are operational.",
      expect.stringMatching(/^Please leave a message after the tone/),
    ]);
    expect(r.Record).toEqual({
      action: record.actionUrl,
      method: "POST",
      maxLength: "119",
      timeout: "8",
      finishOnKey: "#",
      playBeep: "true",
      trim: "trim-silence",
      recordingStatusCallback: record.recordingStatusCallback,
      recordingStatusCallbackMethod: "POST",
      recordingStatusCallbackEvent: "completed absent",
      transcribe: "true",
      transcribeCallback: record.transcribeCallback,
    });
    expect(r.Redirect).toEqual({ "#text": record.emptyUrl, method: "POST" });
  });

  it("leaves transcription out when no provider transcribes through Twilio", () => {
    const r = parse(greetingTwiml({ companyName: "X", status: "All systems are operational.", record: { ...record, transcribeCallback: null } }));
    expect(r.Record).not.toHaveProperty("transcribe");
    expect(r.Record).not.toHaveProperty("transcribeCallback");
  });

  it("escapes what staff typed (a component named with markup) and drops characters XML forbids", () => {
    const status = spokenStatus(snapshot({ indicator: "major", components: [{ name: 'Mail & "DNS" <b>\u0007', status: "major_outage" }, up("Web")] }));
    const body = greetingTwiml({ companyName: "A & B <Hosting>", status, record });
    const r = parse(body);
    expect(r.Say).toContain("Hello, you have reached the urgent line of A & B <Hosting>.");
    expect(r.Say).toContain('Our status page reports a major outage of Mail & "DNS" <b>; we are working on it.');
    expect(body).not.toContain("<b>");
    expect(xmlEscape("a\u0000b\uffffc\ud800d")).toBe("abcd");
  });

  it("the goodbyes hang up", () => {
    for (const body of [thanksTwiml("Example Hosting"), nothingRecordedTwiml()]) {
      const r = parse(body);
      expect(r).toHaveProperty("Hangup");
      expect((r.Say as string[])[0]).toMatch(/Goodbye\.$/);
    }
  });
});
