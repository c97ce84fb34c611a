// Twilio SMS and voice against the fake Twilio REST API: form-encoded, basic auth, TwiML.
import { describe, expect, it } from "vitest";
import { message, requestsFor, send } from "../../../test/channels/helpers";

describe("twilio channels (sms, voice)", () => {
  it("sms: Twilio Messages API, form-encoded with basic auth", async () => {
    const msg = message();
    const { result } = await send({ type: "sms", number: "+31612345678" }, msg);
    const [req] = await requestsFor("twilio", msg.alertId);
    expect(req!.method).toBe("POST");
    expect(req!.path).toBe("/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json");
    expect(req!.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(req!.headers.authorization).toBe(`Basic ${btoa("AC0123456789abcdef0123456789abcdef:twilio-test-auth-token")}`);
    const form = new URLSearchParams(req!.body);
    expect(Object.fromEntries(form)).toEqual({
      To: "+31612345678",
      From: "+15005550006",
      Body: msg.text,
      StatusCallback: `https://status.example-hosting.test/hooks/twilio/status/${encodeURIComponent(`${msg.alertId}:0:0:alice:0`)}`,
    });
    expect(result.providerId).toMatch(/^SM[0-9a-f]{32}$/);
  });

  it("voice: Twilio Calls API with TwiML that reads the alert and gathers 4 to a signed webhook", async () => {
    const msg = message();
    const { result } = await send({ type: "voice", number: "+31612345678" }, msg);
    const [req] = await requestsFor("twilio", msg.alertId);
    expect(req!.path).toMatch(/\/Calls\.json$/);
    const twiml = new URLSearchParams(req!.body).get("Twiml")!;
    expect(twiml).toContain(`<Gather numDigits="1" timeout="10" method="POST" action="https://status.example-hosting.test/hooks/twilio/voice/${msg.ackToken}">`);
    expect(twiml).toContain("Alert for Web hosting. 3 reports.");
    expect(twiml).toContain("Press 4 to acknowledge.");
    expect(twiml).toContain("&amp; &lt;b&gt;"); // reporter text is escaped inside XML
    expect(result.providerId).toMatch(/^CA/);
  });
});
