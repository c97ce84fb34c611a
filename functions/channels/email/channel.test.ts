// Email: the send_email binding gets subject, text, an HTML link and the headers that let a
// reply or bounce find the page; a refusal is retryable unless Cloudflare says it is final.
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

  it("marks the page as automatic and names its delivery, so replies and bounces find it", async () => {
    const msg = message();
    const { mail } = await send({ type: "email", address: "alice@ops.example.test" }, msg);
    expect((mail[0] as unknown as { headers: Record<string, string> }).headers).toEqual({
      "Auto-Submitted": "auto-generated",
      "X-Outofband-Delivery": `${msg.alertId}:0:0:alice:0`,
    });
  });

  it("gives up at once on an address Cloudflare suppressed after a bounce (next method instead)", async () => {
    const suppressed = {
      send: async () => {
        throw Object.assign(new Error("recipient is on the suppression list"), { code: "E_RECIPIENT_SUPPRESSED" });
      },
    } as unknown as SendEmail;
    const err = await failure(send({ type: "email", address: "gone@ops.example.test" }, message(), { settings: { EMAIL: suppressed } }));
    expect(err.retryable).toBe(false);
    expect(err.message).toContain("E_RECIPIENT_SUPPRESSED");
  });

  it("treats mail the binding refuses as retryable (the queue backs off)", async () => {
    const err = await failure(send({ type: "email", address: "a@example.test" }, message(), { mailFails: true }));
    expect(err.retryable).toBe(true);
  });
});
