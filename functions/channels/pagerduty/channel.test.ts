// PagerDuty Events API v2 against its fake: one incident per alert, following its lifecycle.
import { describe, expect, it } from "vitest";
import type { SendPurpose } from "../types";
import { message, requestsFor, send } from "../../../test/channels/helpers";

describe("pagerduty channel", () => {
  it.each<[SendPurpose, string]>([
    ["page", "trigger"],
    ["acknowledge", "acknowledge"],
    ["resolve", "resolve"],
  ])("sends Events API v2 %s -> %s with dedup_key = alert id", async (purpose, action) => {
    const msg = message();
    const { result } = await send({ type: "pagerduty", routingKey: "R0123456789abcdef0123456789abcde" }, msg, { purpose });
    const [req] = await requestsFor("pagerduty", msg.alertId);
    const body = JSON.parse(req!.body);
    expect(body).toMatchObject({ routing_key: "R0123456789abcdef0123456789abcde", event_action: action, dedup_key: msg.alertId });
    if (action === "trigger") expect(body.payload).toMatchObject({ severity: "critical", source: "status.example-hosting.test", component: "Web hosting" });
    else expect(body.payload).toBeUndefined();
    expect(result.providerId).toBe(msg.alertId);
  });
});
