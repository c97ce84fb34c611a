// Pushover against its fake: emergency priority with a receipt, and a 429 with Retry-After.
import { describe, expect, it } from "vitest";
import { failure, message, requestsFor, script, send } from "../../../test/channels/helpers";

describe("pushover channel", () => {
  it("sends emergency priority 2 with retry/expire, answering a receipt", async () => {
    const msg = message();
    const { result } = await send({ type: "pushover", userKey: "uQiRzpo4DXghDmr9QzzfQu27cmVRsG" }, msg);
    const [req] = await requestsFor("pushover", msg.alertId);
    const form = Object.fromEntries(new URLSearchParams(req!.body));
    expect(form).toMatchObject({ token: "azGDORePK8gMaC0QOYAMyEEuzJnyUi", user: "uQiRzpo4DXghDmr9QzzfQu27cmVRsG", priority: "2", retry: "60", expire: "3600", url: msg.ackUrl, callback: `${msg.ackUrl}?via=pushover` });
    expect(result.providerId).toBe("rLqVuqTRh62UzxtmqiaLzQmVcPgiCy");
  });

  it("treats a 429 with a Retry-After header as retryable, waiting as told", async () => {
    const msg = message();
    await script("pushover", msg.alertId, [{ status: 429, headers: { "retry-after": "30" }, body: { status: 0, errors: ["too many"] } }]);
    const err = await failure(send({ type: "pushover", userKey: "uQiRzpo4DXghDmr9QzzfQu27cmVRsG" }, msg));
    expect(err.retryable).toBe(true);
    expect(err.retryAfterSeconds).toBe(30);
  });
});
