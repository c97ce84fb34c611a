// Discord webhook against its fake: request shape, embed limits, and an unknown webhook.
import { describe, expect, it } from "vitest";
import { unique } from "../../../test/helpers";
import { failure, fakeUrl, message, requestsFor, script, send } from "../../../test/channels/helpers";

describe("discord channel", () => {
  it("posts with wait=true, no mentions, an embed linking the ack page", async () => {
    const path = unique("hook");
    const { result } = await send({ type: "discord", webhookUrl: `${fakeUrl()}/discord/api/webhooks/1/${path}` });
    const [req] = await requestsFor("discord", path);
    expect(req!.path).toContain("wait=true");
    const body = JSON.parse(req!.body);
    expect(body.allowed_mentions).toEqual({ parse: [] });
    expect(body.embeds[0].url).toContain("/ack/");
    const long = await send({ type: "discord", webhookUrl: `${fakeUrl()}/discord/api/webhooks/1/${path}-long` }, { ...message(), title: "T".repeat(400) });
    expect(long.result.providerId).not.toBeNull();
    const [longReq] = await requestsFor("discord", `${path}-long`);
    expect(JSON.parse(longReq!.body).embeds[0].title.length).toBeLessThanOrEqual(256);
    expect(result.providerId).toMatch(/^\d+$/);
  });

  it("treats a 4xx other than 429 as permanent: trying again would not help (404 unknown webhook)", async () => {
    const path = unique("w");
    await script("discord", path, [{ status: 404, body: { message: "Unknown Webhook", code: 10015 } }]);
    const err = await failure(send({ type: "discord", webhookUrl: `${fakeUrl()}/discord/${path}` }));
    expect(err.retryable).toBe(false);
    expect(err.message).toContain("Unknown Webhook");
  });
});
