// Email: the send_email binding gets subject, text and an HTML link; a refusal is retryable.
import { describe, expect, it } from "vitest";
import { failure, message, send } from "../../../test/channels/helpers";

describe("email channel", () => {
  it("sends through Cloudflare send_email with subject, text and an HTML link", async () => {
    const msg = message();
    const { result, mail } = await send({ type: "email", address: "alice@ops.example.test" }, msg);
    expect(result.providerId).toMatch(/@test>$/);
    expect(mail[0]).toMatchObject({ to: "alice@ops.example.test", from: "status@example-hosting.test", subject: "[7KQ2M] ALERT 7KQ2M: Web hosting: All sites give 502" });
    expect(mail[0]!.html).toContain(`href="${msg.ackUrl}"`);
    expect(mail[0]!.html).toContain("&lt;b&gt;nothing&lt;/b&gt;");
  });

  it("treats mail the binding refuses as retryable (the queue backs off)", async () => {
    const err = await failure(send({ type: "email", address: "a@example.test" }, message(), { mailFails: true }));
    expect(err.retryable).toBe(true);
  });
});
