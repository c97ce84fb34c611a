// SMS to the hotline against the real Worker: a customer's message becomes a report on channel
// "sms" and is answered once (our reference and the status page, nothing they wrote); later
// messages join it; STOP, START and HELP as Twilio's Advanced Opt-Out has them; replies from
// on-call numbers stay the fan-out's; replays, forgeries and storage down.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { findAlert } from "../../functions/alerts/queries";
import { findReportById } from "../../functions/reports/queries";
import { brokenDb } from "../reports/helpers";
import { pushConfig, quietOnCall } from "../alerts/helpers";
import { env, mobile, phoneEnv, reportOf, smsIn, threadOf, twilioPost, twimlOf } from "./helpers";

const ONCALL_PHONE = "+31687654321";

beforeAll(async () => {
  await pushConfig({
    version: 1,
    people: [{ id: "sam", name: "Sam", timezone: "UTC", contactMethods: [{ type: "email", address: "sam@ops.example.test" }, { type: "sms", number: ONCALL_PHONE }] }],
    policies: [{ id: "hotline", levels: [{ timeoutMinutes: 5, targets: [{ person: "sam" }] }] }],
    routing: { rules: [], defaultPolicy: "hotline" },
  });
});
beforeEach(quietOnCall);

async function optedOut(number: string): Promise<boolean> {
  return (await env.DB.prepare("SELECT 1 AS x FROM sms_opt_outs WHERE number = ?1").bind(number).first()) !== null;
}

describe("a customer's SMS", () => {
  it("becomes a report on channel sms, answered once with the reference and the status page and nothing they wrote", async () => {
    const t = phoneEnv();
    const from = mobile();
    const sms = smsIn(t, from, "sites down, see http://evil.example/click and call Bob");
    const reply = await twimlOf(await sms.send());
    const report = (await reportOf("sms", sms.messageSid))!;
    expect(report).toMatchObject({ channel: "sms", subject: "sites down, see http://evil.example/click and call Bob", state: "new" });
    expect(report.reporter.phone).toBe(from);
    expect((await threadOf(report.id))[0]!.body).toBe("sites down, see http://evil.example/click and call Bob");
    expect(reply.message).toBe(`Example Hosting: message received, reference ${report.reference}. The engineer on call is alerted. Status: https://status.example-hosting.test/ Reply STOP to opt out.`);
    expect(reply.raw).not.toContain("evil");
    expect(reply.raw).not.toContain("Bob");
    // And it pages whoever is on call.
    const alert = await findAlert(env.DB, (await findReportById(env.DB, report.id))!.alertId!);
    expect(alert!.state).toBe("triggered");
  });

  it("later messages from the same number join the open report, unanswered; after it is resolved a new one is filed", async () => {
    const t = phoneEnv();
    const from = mobile();
    const first = smsIn(t, from, "all our sites are down");
    await first.send();
    const report = (await reportOf("sms", first.messageSid))!;
    const second = await twimlOf(await smsIn(t, from, "also mail bounces now").send());
    expect(second.message).toBeNull();
    const thread = await threadOf(report.id);
    expect(thread.map((m) => m.body)).toEqual(["all our sites are down", "also mail bounces now"]);
    expect(t.queued.some((q) => q.body.type === "report.followup" && q.body.reportId === report.id)).toBe(true);

    await env.DB.prepare("UPDATE reports SET state = 'resolved' WHERE id = ?1").bind(report.id).run();
    const third = smsIn(t, from, "down again!!");
    const answered = await twimlOf(await third.send());
    const next = (await reportOf("sms", third.messageSid))!;
    expect(next.id).not.toBe(report.id);
    expect(answered.message).toContain(next.reference);
  });

  it("keeps emoji and a 10-segment message whole", async () => {
    const t = phoneEnv();
    const emoji = "🔥 everything is down 😱 since 09:40, customers call us 📞";
    const long = `${emoji} ${"The control panel shows error 502 on every page and mail is not delivered. ".repeat(20)}`.slice(0, 1_530);
    const sms = smsIn(t, mobile(), long, { NumSegments: "10" });
    expect((await sms.send()).status).toBe(200);
    const report = (await reportOf("sms", sms.messageSid))!;
    expect((await threadOf(report.id))[0]!.body).toBe(long.trim());
    expect(report.subject.startsWith("🔥 everything is down 😱")).toBe(true);
    expect(Array.from(report.subject).length).toBeLessThanOrEqual(100);
  });

  it("a sender name instead of a number is filed without a way back, and not answered", async () => {
    const t = phoneEnv();
    const sms = smsIn(t, "VODAFONE", "Your bundle is almost used up");
    const reply = await twimlOf(await sms.send());
    expect(reply.message).toBeNull();
    expect((await reportOf("sms", sms.messageSid))!.reporter).toMatchObject({ phone: null, name: "VODAFONE" });
  });

  it("answers a number at most three times an hour, however many reports it files", async () => {
    const t = phoneEnv();
    const from = mobile();
    const replies: Array<string | null> = [];
    for (let i = 0; i < 5; i++) {
      const sms = smsIn(t, from, `outage number ${i} here`);
      replies.push((await twimlOf(await sms.send())).message);
      await env.DB.prepare("UPDATE reports SET state = 'resolved' WHERE channel_message_id = ?1").bind(sms.messageSid).run();
    }
    expect(replies.filter(Boolean)).toHaveLength(3);
    const { n } = (await env.DB.prepare("SELECT COUNT(*) AS n FROM reports WHERE reporter_phone = ?1").bind(from).first<{ n: number }>())!;
    expect(n).toBe(5);
  });
});

describe("STOP, START and HELP (Twilio's Advanced Opt-Out semantics)", () => {
  it("STOP files nothing and answers nothing (Twilio answers it); later reports are not answered until START", async () => {
    const t = phoneEnv();
    const from = mobile();
    const stop = await twimlOf(await smsIn(t, from, "Stop").send());
    expect(stop.message).toBeNull();
    expect(await optedOut(from)).toBe(true);
    const { n } = (await env.DB.prepare("SELECT COUNT(*) AS n FROM reports WHERE reporter_phone = ?1").bind(from).first<{ n: number }>())!;
    expect(n).toBe(0);

    // Still a customer: their report is filed (nothing is lost) but we send them nothing.
    const sms = smsIn(t, from, "the server is down again");
    expect((await twimlOf(await sms.send())).message).toBeNull();
    expect(await reportOf("sms", sms.messageSid)).not.toBeNull();
    await env.DB.prepare("UPDATE reports SET state = 'resolved' WHERE channel_message_id = ?1").bind(sms.messageSid).run();

    expect((await twimlOf(await smsIn(t, from, "START").send())).message).toBeNull();
    expect(await optedOut(from)).toBe(false);
    const after = smsIn(t, from, "and down once more");
    expect((await twimlOf(await after.send())).message).toContain((await reportOf("sms", after.messageSid))!.reference);
  });

  it("a keyword inside a sentence is a message, not a keyword", async () => {
    const t = phoneEnv();
    const from = mobile();
    const sms = smsIn(t, from, "please stop the outage");
    await sms.send();
    expect(await optedOut(from)).toBe(false);
    expect(await reportOf("sms", sms.messageSid)).not.toBeNull();
  });

  it("Advanced Opt-Out's OptOutType decides for custom keywords", async () => {
    const t = phoneEnv();
    const from = mobile();
    await smsIn(t, from, "ARRET", { OptOutType: "STOP" }).send();
    expect(await optedOut(from)).toBe(true);
    await smsIn(t, from, "HALLO", { OptOutType: "START" }).send();
    expect(await optedOut(from)).toBe(false);
  });

  it("HELP is answered with how to reach us, unless Advanced Opt-Out answered it already", async () => {
    const t = phoneEnv();
    const from = mobile();
    const help = await twimlOf(await smsIn(t, from, "help").send());
    expect(help.message).toBe("Example Hosting urgent line: text us what is wrong and the engineer on call is alerted, or call +31 20 123 4567. Status: https://status.example-hosting.test/ Reply STOP to opt out.");
    const byTwilio = await twimlOf(await smsIn(t, from, "HELP", { OptOutType: "HELP" }).send());
    expect(byTwilio.message).toBeNull();
    const { n } = (await env.DB.prepare("SELECT COUNT(*) AS n FROM reports WHERE reporter_phone = ?1").bind(from).first<{ n: number }>())!;
    expect(n).toBe(0);
  });
});

describe("on-call numbers", () => {
  it("a text from an on-call number that is not an acknowledgement gets the hint and files no report", async () => {
    const t = phoneEnv();
    const sms = smsIn(t, ONCALL_PHONE, "on my way, five minutes");
    const reply = await twimlOf(await sms.send());
    expect(reply.message).toBe("Reply 4 to acknowledge your newest alert, or ACK and its code, e.g. ACK 7KQ2M.");
    expect(await reportOf("sms", sms.messageSid)).toBeNull();
  });

  it("a customer's report is acknowledged by the on-call person's SMS reply, through the same webhook", async () => {
    const t = phoneEnv();
    const customer = smsIn(t, mobile(), "every site on web3 answers 502");
    await customer.send();
    const report = (await reportOf("sms", customer.messageSid))!;
    const alertId = (await findReportById(env.DB, report.id))!.alertId!;
    const code = (await findAlert(env.DB, alertId))!.ackCode;
    const ack = await twimlOf(await smsIn(t, ONCALL_PHONE, `ACK ${code}`).send());
    expect(ack.message).toBe(`Alert ${code} acknowledged. Escalation stopped.`);
    expect((await findAlert(env.DB, alertId))!).toMatchObject({ state: "acknowledged", acknowledgedBy: "Sam" });
  });
});

describe("Twilio's retries and replays", () => {
  it("the same MessageSid again files nothing, adds nothing and answers nothing", async () => {
    const t = phoneEnv();
    const from = mobile();
    const sms = smsIn(t, from, "our VPS does not boot");
    await sms.send();
    const report = (await reportOf("sms", sms.messageSid))!;
    const again = await twimlOf(await sms.send());
    expect(again.message).toBeNull();
    expect(await threadOf(report.id)).toHaveLength(1);
    const { n } = (await env.DB.prepare("SELECT COUNT(*) AS n FROM reports WHERE reporter_phone = ?1").bind(from).first<{ n: number }>())!;
    expect(n).toBe(1);
  });

  it("a replayed follow-up is added once", async () => {
    const t = phoneEnv();
    const from = mobile();
    const first = smsIn(t, from, "backups failed tonight");
    await first.send();
    const followUp = smsIn(t, from, "and the restore too");
    await followUp.send();
    await followUp.send();
    expect((await threadOf((await reportOf("sms", first.messageSid))!.id)).map((m) => m.body)).toEqual(["backups failed tonight", "and the restore too"]);
  });
});

describe("storage down", () => {
  it("the sender is told we could not file it, and on-call is paged by mail with the text", async () => {
    const t = phoneEnv({ DB: brokenDb, FALLBACK_PAGE_TO: "fallback@oncall.example.test" });
    const from = mobile();
    const reply = await twimlOf(await smsIn(t, from, "nothing works, call me").send());
    expect(reply.message).toBe("Example Hosting: our systems could not file your message, but it was passed to the engineer on call by a backup route.");
    const mail = t.mail.find((m) => m.to === "fallback@oncall.example.test")!;
    expect(mail.subject).toBe("URGENT (not stored): nothing works, call me");
    expect(mail.text).toContain(`Phone:     ${from}`);
    expect(mail.text).toContain("nothing works, call me");
  });

  it("an acknowledgement that cannot be stored fails loudly (the page's link still works)", async () => {
    const t = phoneEnv({ DB: brokenDb });
    const res = await smsIn(t, ONCALL_PHONE, "4").send();
    expect(res.status).toBe(500);
  });
});

describe("what an attacker would try", () => {
  it.each([
    ["missing", null],
    ["forged", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="],
  ])("refuses an SMS with a %s signature and files nothing", async (_name, signature) => {
    const t = phoneEnv();
    const sms = smsIn(t, mobile(), "sites down");
    const res = await twilioPost(t, "/hooks/twilio/sms", sms.params, signature);
    expect(res.status).toBe(403);
    expect(await reportOf("sms", sms.messageSid)).toBeNull();
  });

  it("refuses an SMS for another Twilio account, one without a MessageSid and one over 1,600 characters", async () => {
    const t = phoneEnv();
    const other = smsIn(t, mobile(), "sites down", { AccountSid: `AC${"e".repeat(32)}` });
    expect((await other.send()).status).toBe(403);
    expect(await reportOf("sms", other.messageSid)).toBeNull();
    const { MessageSid: _m, SmsSid: _s, SmsMessageSid: _sm, ...noSid } = smsIn(t, mobile(), "sites down").params;
    expect((await twilioPost(t, "/hooks/twilio/sms", noSid)).status).toBe(400);
    const huge = smsIn(t, mobile(), "x".repeat(1_601));
    const res = await huge.send();
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain("1,600 characters");
    expect(await reportOf("sms", huge.messageSid)).toBeNull();
  });

  it("a captured customer SMS replayed later does not join a new report", async () => {
    const t = phoneEnv();
    const from = mobile();
    const captured = smsIn(t, from, "first outage");
    await captured.send();
    await env.DB.prepare("UPDATE reports SET state = 'resolved' WHERE channel_message_id = ?1").bind(captured.messageSid).run();
    const fresh = smsIn(t, from, "second outage");
    await fresh.send();
    await captured.send();
    expect((await threadOf((await reportOf("sms", fresh.messageSid))!.id)).map((m) => m.body)).toEqual(["second outage"]);
  });

  it("ignores an AccountSid it was not given (Twilio's own test numbers post none)", async () => {
    const t = phoneEnv();
    const { AccountSid: _a, ...params } = smsIn(t, mobile(), "web12 unreachable").params;
    const res = await twilioPost(t, "/hooks/twilio/sms", params);
    expect(res.status).toBe(200);
    expect(await reportOf("sms", params.MessageSid)).not.toBeNull();
  });
});
