import { createExecutionContext, createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { runScheduled } from "../../functions/cron/scheduled";
import type { CronTask } from "../../functions/platform/tasks";
import { servicesOf } from "../helpers";
import worker from "../../functions/index";

describe("scheduled handler", () => {
  it("sends the queue canary and records the cron run", async () => {
    const send = vi.spyOn(env.FANOUT, "send");
    const scheduledTime = Date.parse("2026-11-28T10:00:00Z");
    await worker.scheduled(createScheduledController({ scheduledTime, cron: "* * * * *" }), env, createExecutionContext());
    expect(send).toHaveBeenCalledWith({ type: "canary", sentAt: "2026-11-28T10:00:00.000Z" });
    const row = await env.DB.prepare("SELECT last_verified_at FROM assurance_checks WHERE name = 'cron'").first<{ last_verified_at: string }>();
    expect(row!.last_verified_at).toBe("2026-11-28T10:00:00.000Z");
    send.mockRestore();
  });

  it("runs every task even when one fails, and records the failure", async () => {
    const ran: string[] = [];
    const tasks: CronTask[] = [
      { name: "breaks", run: async () => { throw new Error("provider down"); } },
      { name: "works", run: async () => { ran.push("works"); } },
    ];
    const result = await runScheduled(servicesOf(), new Date(), tasks);
    expect(result.failed).toEqual(["breaks"]);
    expect(ran).toEqual(["works"]);
    const row = await env.DB.prepare("SELECT last_error FROM assurance_checks WHERE name = 'cron:breaks'").first<{ last_error: string }>();
    expect(row!.last_error).toBe("provider down");
  });
});
