// The doctor's Twilio check against the fake IncomingPhoneNumbers API: the hotline's voice, SMS
// and status webhooks and the paging number's SMS webhook must point at this Worker.
import { describe, expect, it } from "vitest";
import { channelSettings, requestsFor, script } from "../../../test/channels/helpers";
import { providerSetupChecks } from "../registry";
import { checkTwilioSetup, expectedHooks, judgeNumber } from "./setup";

const PUBLIC = "https://status.example-hosting.test";
const hooks = expectedHooks(PUBLIC);
const good = {
  phone_number: "+31201234567",
  voice_url: hooks.voice,
  voice_method: "POST",
  voice_application_sid: "",
  trunk_sid: null,
  sms_url: hooks.sms,
  sms_method: "POST",
  sms_application_sid: "",
  status_callback: hooks.status,
  capabilities: { voice: true, sms: true },
};

/** A number of its own per test, so scripted answers never reach another test's request. */
function hotline(): string {
  return `+3120${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
}

describe("judging a number", () => {
  it.each<[string, Parameters<typeof judgeNumber>[1], Record<string, unknown> | null, Array<[string, RegExp]>]>([
    ["the hotline set up right", ["hotline"], good, []],
    ["the hotline and paging number in one, set up right", ["hotline", "paging"], good, []],
    ["not in the account", ["hotline"], null, [["fail", /is not a phone number of this Twilio account/]]],
    ["voice to another URL", ["hotline"], { ...good, voice_url: "https://old-pbx.example/twiml" }, [["fail", /voice webhook .* is POST https:\/\/old-pbx\.example\/twiml: set it to POST https:\/\/status\.example-hosting\.test\/hooks\/twilio\/voice/]]],
    ["voice by GET", ["hotline"], { ...good, voice_method: "GET" }, [["fail", /is GET https/]]],
    ["voice to a TwiML app", ["hotline"], { ...good, voice_application_sid: "AP123" }, [["fail", /TwiML app AP123/]]],
    ["voice to a SIP trunk", ["hotline"], { ...good, trunk_sid: "TK123" }, [["fail", /SIP trunk TK123/]]],
    ["no voice capability", ["hotline"], { ...good, capabilities: { voice: false, sms: true } }, [["fail", /cannot receive calls/]]],
    ["no status callback", ["hotline"], { ...good, status_callback: "" }, [["warn", /call status callback .* is not set: set it to https:\/\/status\.example-hosting\.test\/hooks\/twilio\/call-status/]]],
    ["hotline SMS elsewhere", ["hotline"], { ...good, sms_url: "https://demo.twilio.com/welcome/sms/reply" }, [["fail", /customers' SMS and on-call replies are lost/]]],
    ["hotline SMS to a messaging app", ["hotline"], { ...good, sms_application_sid: "AP9" }, [["fail", /messaging app AP9/]]],
    ["paging number SMS elsewhere (a warning: the link still acknowledges)", ["paging"], { ...good, sms_url: "" }, [["warn", /SMS webhook .* is not set: .* replies "4" to pages are lost/]]],
    ["paging number voice is not checked", ["paging"], { ...good, voice_url: "https://elsewhere.example" }, []],
  ])("%s", (_name, roles, number, expected) => {
    const findings = judgeNumber("+31201234567", roles, number, PUBLIC);
    expect(findings.map((f) => f.verdict)).toEqual(expected.map(([v]) => v));
    expected.forEach(([, text], i) => expect(findings[i]!.text).toMatch(text));
  });
});

describe("asking Twilio (the fake's IncomingPhoneNumbers)", () => {
  it("asks for each number with basic auth and finds nothing wrong when the webhooks point here", async () => {
    const { settings } = channelSettings();
    const number = hotline();
    const findings = await checkTwilioSetup({ settings, publicUrl: PUBLIC, hotline: number, timeoutMs: 3000 });
    expect(findings).toEqual([]);
    const [req] = await requestsFor("twilio", encodeURIComponent(number));
    expect(req).toMatchObject({ method: "GET", path: `/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/IncomingPhoneNumbers.json?PhoneNumber=${encodeURIComponent(number)}` });
    expect(req!.headers.authorization).toBe(`Basic ${btoa("AC0123456789abcdef0123456789abcdef:twilio-test-auth-token")}`);
  });

  it("fails when the hotline's webhooks point elsewhere, and when it is not in the account", async () => {
    const { settings } = channelSettings();
    const number = hotline();
    await script("twilio", encodeURIComponent(number), [
      { status: 200, body: { incoming_phone_numbers: [{ ...good, phone_number: number, voice_url: "https://old.example/voice", sms_url: "https://old.example/sms" }], page: 0, page_size: 50 } },
      { status: 200, body: { incoming_phone_numbers: [], page: 0, page_size: 50 } },
    ]);
    const wrong = await checkTwilioSetup({ settings, publicUrl: PUBLIC, hotline: number, timeoutMs: 3000 });
    expect(wrong.map((f) => f.verdict)).toEqual(["fail", "fail"]);
    const missing = await checkTwilioSetup({ settings, publicUrl: PUBLIC, hotline: number, timeoutMs: 3000 });
    expect(missing).toEqual([{ verdict: "fail", text: `${number} is not a phone number of this Twilio account (TWILIO_ACCOUNT_SID): calls and SMS to it never reach this Worker.` }]);
  });

  it("warns (never throws) when Twilio does not answer, or when it cannot be asked", async () => {
    const { settings } = channelSettings();
    const number = hotline();
    await script("twilio", encodeURIComponent(number), [{ status: 503, body: { code: 20503, message: "Service Unavailable", status: 503 } }]);
    const down = await checkTwilioSetup({ settings, publicUrl: PUBLIC, hotline: number, timeoutMs: 3000 });
    expect(down).toHaveLength(1);
    expect(down[0]).toMatchObject({ verdict: "warn", text: expect.stringContaining("HTTP 503") });
    const unset = await checkTwilioSetup({ settings: { ...settings, TWILIO_ACCOUNT_SID: "", TWILIO_AUTH_TOKEN: "" }, publicUrl: PUBLIC, hotline: number, timeoutMs: 3000 });
    expect(unset).toEqual([{ verdict: "warn", text: expect.stringContaining(`The hotline ${number} (site.config.ts) cannot be checked`) }]);
    expect(await checkTwilioSetup({ settings: { ...settings, TWILIO_ACCOUNT_SID: "" }, publicUrl: PUBLIC, hotline: null, timeoutMs: 3000 })).toEqual([]);
  });

  it("is registered once for the provider (sms and voice share it)", () => {
    expect(providerSetupChecks.filter((c) => c.provider === "twilio")).toHaveLength(1);
  });
});
