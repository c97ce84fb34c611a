// Signals from the company's own servers (a failing monitor, a missed heartbeat) page on-call
// through alerts routed like reports: one alert per outage, updated when it gets worse,
// resolved when it recovers; a routing rule can send them to their own policy.
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { handleSignalRaised, handleSignalRecovered } from "../../functions/alerts/signals";
import { listEvents } from "../../functions/alerts/queries";
import { unique } from "../helpers";
import { drain, pushConfig, quietOnCall, testEnv } from "./helpers";

beforeAll(async () => {
  await pushConfig(
    {
      version: 1,
      people: [
        { id: "ops", name: "Ops", timezone: "UTC", contactMethods: [{ type: "email", address: "ops@ops.example.test" }] },
        { id: "desk", name: "Desk", timezone: "UTC", contactMethods: [{ type: "email", address: "desk@ops.example.test" }] },
      ],
      policies: [
        { id: "infra", levels: [{ timeoutMinutes: 5, targets: [{ person: "ops" }] }] },
        { id: "customers", levels: [{ timeoutMinutes: 5, targets: [{ person: "desk" }] }] },
      ],
      routing: { rules: [{ channels: ["monitor", "heartbeat"], policy: "infra" }], defaultPolicy: "customers" },
    },
    new Date("2026-01-01T00:00:00Z"),
  );
});

beforeEach(quietOnCall);

async function openAlerts(key: string) {
  const { results } = await env.DB.prepare("SELECT id, state, channel, policy_id FROM alerts WHERE group_key = ?1 ORDER BY created_at").bind(`signal:${key}`).all<Record<string, string>>();
  return results;
}

describe("signals from monitors and heartbeats", () => {
  it("raise one alert per outage, routed by channel, paging the infrastructure policy", async () => {
    const t = testEnv();
    const key = unique("mon-mail");
    const job = { type: "signal.raised" as const, source: "monitor" as const, sourceId: "mx1", key, subject: "SMTP mx1: 452 insufficient system storage", text: "RCPT TO answered 452.", componentId: null, urgency: "critical" as const };
    await handleSignalRaised(t.svc, job, new Date());
    await drain(t, new Date());
    const [alert] = await openAlerts(key);
    expect(alert).toMatchObject({ state: "triggered", channel: "monitor", policy_id: "infra" });
    expect(t.mail.map((m) => m.to)).toEqual(["ops@ops.example.test"]);
    expect(t.mail[0]!.text).toContain("452 insufficient system storage");
    // The same outage again (worse, or a repeated job): no second alert, no second page.
    await handleSignalRaised(t.svc, { ...job, subject: "SMTP mx1: connection refused" }, new Date());
    await drain(t, new Date());
    expect(await openAlerts(key)).toHaveLength(1);
    expect(t.mail).toHaveLength(1);
    expect((await listEvents(env.DB, alert!.id!)).map((e) => e.type)).toContain("signal");
  });

  it("resolve the outage's alert on recovery, and do nothing for an unknown key", async () => {
    const t = testEnv();
    const key = unique("hb-backup");
    await handleSignalRaised(t.svc, { type: "signal.raised", source: "heartbeat", sourceId: "backup", key, subject: "Heartbeat backup missed", text: "No ping since 02:00.", componentId: null, urgency: "high" }, new Date());
    await drain(t, new Date());
    await handleSignalRecovered(t.svc, { type: "signal.recovered", source: "heartbeat", sourceId: "backup", key }, new Date());
    expect((await openAlerts(key))[0]!.state).toBe("resolved");
    await handleSignalRecovered(t.svc, { type: "signal.recovered", source: "heartbeat", sourceId: "backup", key: unique("none") }, new Date());
  });
});
