// ntfy against its fake: JSON publish with an http action, and a server that does not answer.
import { describe, expect, it } from "vitest";
import { failure, message, requestsFor, script, send } from "../../../test/channels/helpers";

describe("ntfy channel", () => {
  it("publishes JSON at max priority with an http action that POSTs the ack link", async () => {
    const msg = message();
    const { result } = await send({ type: "ntfy", topic: "ops-pages" }, msg);
    const [req] = await requestsFor("ntfy", msg.alertId);
    const body = JSON.parse(req!.body);
    expect(body).toMatchObject({ topic: "ops-pages", priority: 5, title: msg.title });
    expect(body.actions).toEqual([{ action: "http", label: "Acknowledge", url: `${msg.ackUrl}?via=ntfy`, method: "POST", headers: { accept: "application/json" }, clear: true }]);
    expect(result.providerId).toBe("hwQ2YpKdmg");
  });

  it("treats a server that does not answer in time as retryable", async () => {
    const msg = message();
    await script("ntfy", msg.alertId, [{ status: 200, body: { id: "late" }, delayMs: 1500 }]);
    const started = Date.now();
    const err = await failure(send({ type: "ntfy", topic: "slow-topic" }, msg, { timeoutMs: 300 }));
    expect(err.retryable).toBe(true);
    expect(err.message).toContain("no answer within 300 ms");
    expect(Date.now() - started).toBeLessThan(1400);
  });
});
