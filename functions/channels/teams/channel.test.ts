// Teams Workflows webhook against its fake: the Adaptive Card, and a 5xx.
import { describe, expect, it } from "vitest";
import { unique } from "../../../test/helpers";
import { failure, fakeUrl, requestsFor, script, send } from "../../../test/channels/helpers";

describe("teams channel", () => {
  it("posts a workflow-webhook message with one Adaptive Card attachment", async () => {
    const path = unique("flow");
    await send({ type: "teams", webhookUrl: `${fakeUrl()}/teams/workflows/${path}` });
    const [req] = await requestsFor("teams", path);
    const body = JSON.parse(req!.body);
    expect(body.type).toBe("message");
    expect(body.attachments[0].contentType).toBe("application/vnd.microsoft.card.adaptive");
    expect(body.attachments[0].content).toMatchObject({ type: "AdaptiveCard", version: "1.4" });
    expect(body.attachments[0].content.actions[0]).toMatchObject({ type: "Action.OpenUrl", title: "Acknowledge" });
  });

  it("treats a 5xx as retryable without a wait", async () => {
    const path = unique("f");
    await script("teams", path, [{ status: 502, body: "Bad gateway" }]);
    const err = await failure(send({ type: "teams", webhookUrl: `${fakeUrl()}/teams/${path}` }));
    expect(err).toMatchObject({ retryable: true, retryAfterSeconds: null });
    expect(err.message).toContain("HTTP 502");
  });
});
