// The generic webhook against its fake receiver: signed JSON a receiver can verify.
import { describe, expect, it } from "vitest";
import { unique } from "../../../test/helpers";
import { fakeUrl, message, requestsFor, send } from "../../../test/channels/helpers";
import { verifyWebhookSignature } from "./channel";

describe("webhook channel", () => {
  it("posts JSON signed with HMAC-SHA256 over timestamp.body, verifiable within the replay window", async () => {
    const path = unique("recv");
    const msg = message();
    await send({ type: "webhook", url: `${fakeUrl()}/webhook/${path}` }, msg);
    const [req] = await requestsFor("webhook", path);
    const header = req!.headers["x-outofband-signature"]!;
    const t = Number(/t=(\d+)/.exec(header)![1]);
    expect(JSON.parse(req!.body)).toMatchObject({ event: "alert.triggered", alert: { id: msg.alertId, code: "7KQ2M", report_count: 3 } });
    expect(await verifyWebhookSignature("whsec-test", header, req!.body, t + 10)).toBe(true);
    expect(await verifyWebhookSignature("whsec-test", header, req!.body.replace("7KQ2M", "XXXXX"), t)).toBe(false);
    expect(await verifyWebhookSignature("other-secret", header, req!.body, t)).toBe(false);
    expect(await verifyWebhookSignature("whsec-test", header, req!.body, t + 301)).toBe(false); // replayed later
    expect(await verifyWebhookSignature("whsec-test", null, req!.body, t)).toBe(false);
  });
});
