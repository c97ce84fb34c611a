import { createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { createExecutionContext } from "cloudflare:test";
import worker from "../../functions/index";
import { retryDelaySeconds } from "../../functions/queue/consumer";

async function check(name: string) {
  return env.DB.prepare("SELECT * FROM assurance_checks WHERE name = ?1").bind(name).first<Record<string, string | null>>();
}

describe("fan-out queue consumer", () => {
  it("acknowledges a canary and records the queue as verified with its latency", async () => {
    const before = new Date().toISOString();
    const sentAt = new Date(Date.now() - 1500).toISOString();
    const batch = createMessageBatch("outofband-fanout", [{ id: "m-canary-1", timestamp: new Date(), attempts: 1, body: { type: "canary", sentAt } }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["m-canary-1"]);
    const row = await check("queue");
    // One row per database: only a time at or after this test's start proves this canary.
    expect(row!.last_verified_at! >= before).toBe(true);
    expect(JSON.parse(row!.detail!).latencyMs).toBeGreaterThanOrEqual(1500);
  });

  it("drops a malformed message (acked, not retried forever) and records the error", async () => {
    const batch = createMessageBatch("outofband-fanout", [{ id: "m-bad-1", timestamp: new Date(), attempts: 1, body: { type: "no-such-job" } }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["m-bad-1"]);
    expect((await check("queue"))!.last_error).toContain("m-bad-1");
  });

  it("retries a message whose handler fails, with exponential backoff", async () => {
    const batch = createMessageBatch("outofband-fanout", [{ id: "m-fail-1", timestamp: new Date(), attempts: 3, body: { type: "canary", sentAt: new Date().toISOString() } }]);
    const retry = vi.spyOn(batch.messages[0]!, "retry");
    const failingEnv = { ...env, DB: { prepare: () => { throw new Error("D1 is down"); } } as unknown as D1Database };
    await worker.queue(batch, failingEnv, createExecutionContext());
    expect(retry).toHaveBeenCalledWith({ delaySeconds: 20 });
  });

  it.each([[1, 5], [2, 10], [3, 20], [8, 600], [50, 600]])("waits %i attempt(s) -> %i s before retrying", (attempts, seconds) => {
    expect(retryDelaySeconds(attempts)).toBe(seconds);
  });

  it("keeps dead letters in D1 and flags the queue", async () => {
    const batch = createMessageBatch("outofband-fanout-dlq", [{ id: "m-dead-1", timestamp: new Date(), attempts: 6, body: { type: "canary", sentAt: "x" } }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["m-dead-1"]);
    const dead = await env.DB.prepare("SELECT attempts FROM dead_letters WHERE message_id = 'm-dead-1'").first<{ attempts: number }>();
    expect(dead!.attempts).toBe(6);
  });
});
