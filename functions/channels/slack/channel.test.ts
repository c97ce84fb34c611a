// Slack incoming webhook against its fake.
import { describe, expect, it } from "vitest";
import { unique } from "../../../test/helpers";
import { fakeUrl, requestsFor, send } from "../../../test/channels/helpers";

describe("slack channel", () => {
  it("posts incoming-webhook JSON with text and an Acknowledge button", async () => {
    const path = unique("hook");
    await send({ type: "slack", webhookUrl: `${fakeUrl()}/slack/services/T0/B0/${path}` });
    const [req] = await requestsFor("slack", path);
    const body = JSON.parse(req!.body);
    expect(body.text).toContain("ALERT 7KQ2M");
    expect(body.blocks[1].elements[0]).toMatchObject({ type: "button", text: { type: "plain_text", text: "Acknowledge" } });
  });
});
