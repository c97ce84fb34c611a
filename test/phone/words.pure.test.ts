// What the hotline writes, as tables: caller ids, durations, the texts of voicemail, missed-call
// and SMS reports (emoji, 10 segments), keywords, and answers that repeat nothing of the sender.
import { describe, expect, it } from "vitest";
import { alertText } from "../../functions/alerts/message.pure";
import {
  callbackNumber,
  cutAtWord,
  formatDuration,
  missedCallMessage,
  missedCallSubject,
  smsHelpReply,
  smsKeyword,
  smsReceivedReply,
  smsReport,
  smsUnavailableReply,
  voicemailMessage,
  voicemailSubject,
} from "../../functions/phone/words.pure";

describe("caller ids", () => {
  it.each([
    ["+31201234567", "+31201234567"],
    [" +31612345678 ", "+31612345678"],
    ["anonymous", null],
    ["Anonymous", null],
    ["+266696687", null],
    ["+7378742833", null],
    ["+86282452253", null],
    ["+2562533", null],
    ["", null],
    ["0201234567", null],
    ["VODAFONE", null],
    ["+31 20 123 4567", null],
  ])("%j can be called back as %j", (raw, number) => {
    expect(callbackNumber(raw)).toBe(number);
  });
});

describe("durations", () => {
  it.each([
    [0, "0:00"],
    [7, "0:07"],
    [42, "0:42"],
    [60, "1:00"],
    [119, "1:59"],
    [125.6, "2:06"],
    [-3, "0:00"],
  ])("%d s reads %s", (s, text) => expect(formatDuration(s)).toBe(text));
});

describe("voicemail and missed-call reports", () => {
  const link = { url: "https://status.example-hosting.test/files/f_0123456789abcdef0123.mabc12.0123456789abcdef0123456789abcdef", expiresAt: "2026-12-04T14:03:00.000Z" };

  it("a voicemail's subject names the caller (last four digits: subjects reach shared channels) and the length; its text starts with the link", () => {
    expect(voicemailSubject("+31612345678", 42)).toBe("Voicemail from …5678, 0:42");
    expect(voicemailSubject(null, 5)).toBe("Voicemail from a withheld number, 0:05");
    const text = voicemailMessage({ from: "+31612345678", seconds: 42, at: "2026-12-01T14:03:10.000Z", link, providerUrl: null, transcript: null });
    expect(text.startsWith(`Listen: ${link.url} (link valid until 2026-12-04 14:03 UTC).`)).toBe(true);
    expect(text).toContain("Voicemail of 0:42, left at 2026-12-01 14:03 UTC.");
    expect(text).not.toContain("+31612345678");
    expect(text).toContain("transcription follows");
  });

  it("a page by SMS (two segments) keeps who called and the number to call back; the link is in the longer pages", () => {
    const firstText = voicemailMessage({ from: "+31612345678", seconds: 42, at: "2026-12-01T14:03:10.000Z", link, providerUrl: null, transcript: null });
    const sms = alertText({
      siteName: "Example Hosting",
      ackCode: "7KQ2M",
      component: null,
      subject: voicemailSubject("+31612345678", 42),
      reportCount: 1,
      firstText,
      ackUrl: "https://status.example-hosting.test/ack/al_0123456789.alice.mabc12.0123456789abcdef0123456789abcdef",
      replyHint: true,
      reporter: { reference: "R-7K3M9Q2X", name: null, email: null, phone: "+31612345678" },
      personal: true,
    });
    expect(sms).toContain("Voicemail from …5678, 0:42");
    expect(sms).toContain("R-7K3M9Q2X +31612345678.");
    expect(sms).toContain('"Listen: https://status.example-hosting.test/files/');
    expect(sms.length).toBeLessThanOrEqual(306);
  });

  it("without a copy it points at Twilio's URL, never with credentials in it", () => {
    const text = voicemailMessage({ from: null, seconds: 3, at: "2026-12-01T14:03:10.000Z", link: null, providerUrl: "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1", transcript: "hello" });
    expect(text).toContain("https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1.wav");
    expect(text).not.toMatch(/https:\/\/[^/\s]*@/);
    expect(text).toContain('What they said (automatic transcription, may contain errors): "hello"');
    expect(text).toContain("The caller withheld their number.");
  });

  it("a missed call says so and to call back", () => {
    expect(missedCallSubject("+31612345678")).toBe("Missed call from …5678");
    expect(missedCallSubject(null)).toBe("Missed call from a withheld number");
    expect(missedCallMessage({ from: "+31612345678", at: "2026-12-01T14:03:10.000Z", seconds: 12 })).toBe(
      "Missed call at 2026-12-01 14:03 UTC: the caller hung up without leaving a message (the call lasted 0:12). Call them back.",
    );
    expect(missedCallMessage({ from: null, at: "2026-12-01T14:03:10.000Z", seconds: null })).toMatch(/The number was withheld\.$/);
  });

  it("a page on a shared channel (no reporter line) shows no more of the caller's number than its last digits", () => {
    const text = alertText({
      siteName: "Example Hosting",
      ackCode: "7KQ2M",
      component: null,
      subject: missedCallSubject("+31612345678"),
      reportCount: 1,
      firstText: missedCallMessage({ from: "+31612345678", at: "2026-12-01T14:03:10.000Z", seconds: 12 }),
      ackUrl: "https://status.example-hosting.test/ack/x",
      reporter: { reference: "R-7K3M9Q2X", name: null, email: null, phone: "+31612345678" },
      personal: false,
    });
    expect(text).not.toContain("+31612345678");
    expect(text).not.toContain("612345");
  });
});

describe("SMS reports", () => {
  it.each([
    ["sites down", "sites down", "sites down"],
    ["down!", "down!", "SMS from +31612345678: down!"],
    ["ok", "SMS from +31612345678", "SMS from +31612345678: ok"],
    ["", "SMS from +31612345678", "SMS from +31612345678: (no text)"],
    ["Mail is down\nsince 09:40, all our users", "Mail is down", "Mail is down\nsince 09:40, all our users"],
  ])("%j becomes subject %j, message %j", (body, subject, message) => {
    expect(smsReport("+31612345678", body, 0)).toEqual({ subject, message });
  });

  it("keeps emoji whole, and a 10-segment message whole, with a subject cut at a word", () => {
    const emoji = "🔥🔥 all sites down 😱 since 09:40 👩‍💻";
    expect(smsReport("+31612345678", emoji, 0)).toEqual({ subject: emoji, message: emoji });
    const long = Array.from({ length: 153 }, (_, i) => `word${i}`).join(" ").slice(0, 1530);
    const r = smsReport("+31612345678", long, 0);
    expect(r.message).toBe(long);
    expect(Array.from(r.subject).length).toBeLessThanOrEqual(100);
    expect(r.subject.endsWith("…")).toBe(true);
    // A cut never splits a surrogate pair.
    expect(cutAtWord("😱".repeat(150), 100)).toBe(`${"😱".repeat(99)}…`);
  });

  it("notes attached media", () => {
    expect(smsReport("+31612345678", "see the screenshot of the error", 2).message).toBe("see the screenshot of the error (2 pictures or files attached; open them in the Twilio console)");
  });
});

describe("keywords (Twilio's Advanced Opt-Out semantics: the whole message is the keyword)", () => {
  it.each<[string, string | null, ReturnType<typeof smsKeyword>]>([
    ["STOP", null, "opt-out"],
    ["stop", null, "opt-out"],
    [" Stop ", null, "opt-out"],
    ["STOPALL", null, "opt-out"],
    ["unsubscribe", null, "opt-out"],
    ["Cancel", null, "opt-out"],
    ["END", null, "opt-out"],
    ["quit", null, "opt-out"],
    ["REVOKE", null, "opt-out"],
    ["optout", null, "opt-out"],
    ["START", null, "opt-in"],
    ["yes", null, "opt-in"],
    ["UNSTOP", null, "opt-in"],
    ["HELP", null, "help"],
    ["info", null, "help"],
    ["stop please", null, null],
    ["please stop the outage", null, null],
    ["help, everything is down", null, null],
    // Advanced Opt-Out with custom keywords: Twilio says which in OptOutType.
    ["ARRET", "STOP", "opt-out"],
    ["HALLO", "START", "opt-in"],
    ["HULP", "HELP", "help"],
  ])("%j (OptOutType %j) is %j", (body, type, keyword) => {
    expect(smsKeyword(body, type)).toBe(keyword);
  });
});

describe("answers repeat nothing the sender wrote", () => {
  it("the received answer has our reference and the status page only", () => {
    const text = smsReceivedReply({ siteName: "Example Hosting", reference: "R-7K3M9Q2X", statusUrl: "https://status.example-hosting.test/" });
    expect(text).toBe("Example Hosting: message received, reference R-7K3M9Q2X. The engineer on call is alerted. Status: https://status.example-hosting.test/ Reply STOP to opt out.");
    expect(text.length).toBeLessThanOrEqual(160);
  });

  it("help and unavailable answers", () => {
    expect(smsHelpReply({ siteName: "Example Hosting", statusUrl: "https://s.test/", phone: "+31 20 123 4567" })).toContain("or call +31 20 123 4567");
    expect(smsUnavailableReply({ siteName: "Example Hosting", paged: true, email: "u@x.test" })).toContain("backup route");
    expect(smsUnavailableReply({ siteName: "Example Hosting", paged: false, email: "u@x.test" })).toContain("Please email u@x.test");
  });
});
