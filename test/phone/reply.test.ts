// Staff replies to an SMS reporter go back by SMS from the hotline (Twilio's Messages API, at
// the loopback fake): the reply, who wrote it and the private link; once however often the
// reply's job runs; queued through Twilio's 429 and 5xx and sent once later; never to a number
// that sent STOP; refused for good on Twilio's 4xx.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { deliverReply } from "../../functions/inbox/actions";
import { findReplyDelivery } from "../../functions/inbox/queries";
import { smsStaffReply, SMS_MAX_CHARS } from "../../functions/phone/words.pure";
import { inject } from "vitest";
import { fakeProviders, staffHeaders } from "../helpers";
import { pushConfig, quietOnCall } from "../alerts/helpers";
import { call } from "../reports/helpers";
import { ACCOUNT, HOTLINE, env, mobile, phoneEnv, reportOf, smsIn, twimlOf, type PhoneTestEnv } from "./helpers";

beforeAll(async () => {
  await pushConfig({
    version: 1,
    people: [{ id: "rey", name: "Rey", timezone: "UTC", contactMethods: [{ type: "email", address: "rey@ops.example.test" }] }],
    policies: [{ id: "hotline", levels: [{ timeoutMinutes: 5, targets: [{ person: "rey" }] }] }],
    routing: { rules: [], defaultPolicy: "hotline" },
  });
});
beforeEach(quietOnCall);

/** An SMS from a number of the test's own, filed as a report; its reference. */
async function smsReport(t: PhoneTestEnv, from: string, body = "all our sites answer 502"): Promise<string> {
  const sms = smsIn(t, from, body);
  await twimlOf(await sms.send());
  return (await reportOf("sms", sms.messageSid))!.reference;
}

async function staffReply(t: PhoneTestEnv, reference: string, body: string) {
  const res = await call(`/api/admin/reports/${reference}/messages`, { method: "POST", headers: staffHeaders({ "content-type": "application/json" }), body: JSON.stringify({ body }) }, t.env);
  expect(res.status).toBe(201);
  return ((await res.json()) as { reply: { message_id: number; channel: string | null; to: string | null; note: string | null } }).reply;
}

/** The SMS Twilio was asked to send to this number. */
async function textsTo(number: string) {
  return (await fakeProviders.requests("twilio"))
    .filter((r) => r.method === "POST" && r.path === `/2010-04-01/Accounts/${ACCOUNT}/Messages.json`)
    .map((r) => Object.fromEntries(new URLSearchParams(r.body)))
    .filter((form) => form.To === number);
}

/** Twilio's next answers for messages to this number only (other tests' requests are left alone). */
async function scriptTwilio(number: string, responses: Array<{ status: number; body?: unknown; headers?: Record<string, string> }>) {
  await fetch(`${inject("fakeProviderUrl")}/__script`, { method: "POST", body: JSON.stringify({ provider: "twilio", match: `To=${encodeURIComponent(number)}`, responses }) });
}

describe("a staff reply to an SMS reporter", () => {
  it("is texted from the hotline with the reply, the staff signature and the private link, once however often its job runs", async () => {
    const t = phoneEnv();
    const from = mobile();
    const reference = await smsReport(t, from);
    const reply = await staffReply(t, reference, "We restarted the web servers; your sites answer again.");
    expect(reply).toMatchObject({ channel: "sms", to: from, note: null });
    const texts = await textsTo(from);
    expect(texts.filter((f) => f.Body?.includes("We restarted"))).toHaveLength(1);
    const sent = texts.find((f) => f.Body?.includes("We restarted"))!;
    expect(sent.From).toBe(HOTLINE);
    expect(sent.Body).toContain("-- Example Hosting");
    expect(sent.Body).toMatch(new RegExp(`/r/${reference}\\?k=[^\\s]+`));
    const delivery = (await findReplyDelivery(env.DB, reply.message_id))!;
    expect(delivery).toMatchObject({ state: "sent", channel: "sms" });
    expect(delivery.providerId).toMatch(/^SM[0-9a-f]{32}$/);

    await deliverReply(t.svc, reply.message_id, new Date());
    await deliverReply(t.svc, reply.message_id, new Date(Date.now() + 10 * 60_000));
    expect((await textsTo(from)).filter((f) => f.Body?.includes("We restarted"))).toHaveLength(1);
  });

  it("stays queued through Twilio's 429 and 503, then goes once", async () => {
    const t = phoneEnv();
    const from = mobile();
    const reference = await smsReport(t, from);
    await scriptTwilio(from, [
      { status: 429, body: { code: 20429, message: "Too Many Requests", status: 429 }, headers: { "retry-after": "1" } },
      { status: 503, body: { code: 20503, message: "Service Unavailable", status: 503 } },
    ]);
    const reply = await staffReply(t, reference, "Looking into it now.");
    expect((await findReplyDelivery(env.DB, reply.message_id))!).toMatchObject({ state: "queued", error: expect.stringContaining("429") });
    await expect(deliverReply(t.svc, reply.message_id, new Date())).rejects.toThrow(/503/);
    expect((await findReplyDelivery(env.DB, reply.message_id))!.state).toBe("queued");
    await deliverReply(t.svc, reply.message_id, new Date());
    expect((await findReplyDelivery(env.DB, reply.message_id))!.state).toBe("sent");
    // Asked three times (429, 503, accepted); a further run asks no more.
    await deliverReply(t.svc, reply.message_id, new Date());
    expect((await textsTo(from)).filter((f) => f.Body?.includes("Looking into it now."))).toHaveLength(3);
  });

  it("is never texted to a number that sent STOP, and staff see why", async () => {
    const t = phoneEnv();
    const from = mobile();
    const reference = await smsReport(t, from);
    await twimlOf(await smsIn(t, from, "STOP", { OptOutType: "STOP" }).send());
    const reply = await staffReply(t, reference, "Should not be texted.");
    const delivery = (await findReplyDelivery(env.DB, reply.message_id))!;
    expect(delivery.state).toBe("failed");
    expect(delivery.error).toContain("opted out");
    expect((await textsTo(from)).filter((f) => f.Body?.includes("Should not be texted."))).toHaveLength(0);
  });

  it("fails for good when Twilio refuses the number (21610, unsubscribed at the carrier)", async () => {
    const t = phoneEnv();
    const from = mobile();
    const reference = await smsReport(t, from);
    await scriptTwilio(from, [{ status: 400, body: { code: 21610, message: "Attempt to send to unsubscribed recipient", status: 400 } }]);
    const reply = await staffReply(t, reference, "Refused.");
    const delivery = (await findReplyDelivery(env.DB, reply.message_id))!;
    expect(delivery.state).toBe("failed");
    expect(delivery.error).toContain("21610");
  });
});

describe("the SMS of a staff reply", () => {
  it.each([
    { what: "a short reply", body: "Fixed.", staffName: "Jo", link: "https://status.example-hosting.test/r/R-AB12?k=tok" },
    { what: "a reply longer than one SMS may be", body: "word ".repeat(600), staffName: null, link: "https://status.example-hosting.test/r/R-AB12?k=tok" },
    { what: "no private link", body: "x".repeat(2000), staffName: "Jo", link: null },
  ])("keeps the reference and the link within Twilio's limit: $what", ({ body, staffName, link }) => {
    const text = smsStaffReply({ siteName: "Example Hosting", reference: "R-AB12", body, staffName, privateLink: link });
    expect([...text].length).toBeLessThanOrEqual(SMS_MAX_CHARS);
    expect(text).toContain(link ?? "Reference R-AB12");
    expect(text).toContain(staffName ? `-- ${staffName}, Example Hosting` : "-- Example Hosting");
  });
});
