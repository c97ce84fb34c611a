// Heartbeats end to end with a controlled clock: pings recorded with their bodies, a missed
// deadline takes the heartbeat down (one signal), the next success recovers it (one signal),
// for both schedule kinds and across daylight-saving changes; /fail and exit statuses; the
// ping routes' answers.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { Job } from "../../contract/jobs";
import { MonitorsConfig, type MonitorsConfigInput } from "../../functions/monitors/config.pure";
import { runMonitorsTick } from "../../functions/monitors/cron";
import { afterPing, recordHeartbeatPing } from "../../functions/monitors/heartbeat-ping";
import { parsePingAction } from "../../functions/monitors/heartbeat.pure";
import { listPings, loadState } from "../../functions/monitors/queries";
import { fetchWorker, unique } from "../helpers";
import { componentStatus, fakeServices, makeComponent, monitorsEnv, storeConfig } from "./helpers";

const jobsOf = (queued: Job[], id: string) => queued.filter((j) => j.type.startsWith("signal.") && (j as { sourceId: string }).sourceId === id).map((j) => j.type);

/** A heartbeat configured at `configuredAt`, with a ping helper and a tick helper on one clock. */
async function heartbeatClock(heartbeat: NonNullable<MonitorsConfigInput["heartbeats"]>[number], configuredAt: Date) {
  const t = monitorsEnv();
  const input = { heartbeats: [heartbeat] };
  await storeConfig(input, configuredAt);
  const config = MonitorsConfig.parse(input);
  const hb = config.heartbeats[0]!;
  return {
    t,
    async ping(iso: string, segment?: string, body = "") {
      const now = new Date(iso);
      const action = parsePingAction(segment)!;
      const received = await recordHeartbeatPing(env.DB, hb, action, body, null, now);
      await afterPing(t.svc, config, hb, action, received, now);
    },
    tick: (iso: string) => runMonitorsTick(t.svc, new Date(iso), fakeServices()),
    status: async () => (await loadState(env.DB, "heartbeat", hb.id))!.status,
    jobs: () => jobsOf(t.queued, hb.id),
  };
}

describe("period schedule", () => {
  it("missed: down once at period + grace; the next ping recovers it", async () => {
    const id = unique("backup");
    const cmp = await makeComponent();
    const c = await heartbeatClock({ id, name: "Backups", schedule: { kind: "period", period: 3600, grace: 300 }, component: cmp }, new Date("2026-12-01T00:00:00Z"));
    await c.ping("2026-12-01T01:00:00Z");
    await c.tick("2026-12-01T02:05:00Z");
    expect(await c.status()).toBe("up");
    await c.tick("2026-12-01T02:05:01Z");
    expect(await c.status()).toBe("down");
    expect(await componentStatus(cmp)).toBe("major_outage");
    await c.tick("2026-12-01T02:06:00Z");
    await c.tick("2026-12-01T02:07:00Z");
    expect(c.jobs()).toEqual(["signal.raised"]);
    await c.ping("2026-12-01T02:10:00Z");
    expect(await c.status()).toBe("up");
    expect(c.jobs()).toEqual(["signal.raised", "signal.recovered"]);
    expect(await componentStatus(cmp)).toBe("operational");
  });

  it("across the autumn change a wall-clock job is 25 h apart: period + 30 min grace calls it late, its ping recovers it", async () => {
    const id = unique("nightly");
    const c = await heartbeatClock({ id, name: "Nightly", schedule: { kind: "period", period: 86_400, grace: 1800 } }, new Date("2026-10-20T00:00:00Z"));
    await c.ping("2026-10-25T00:33:00Z"); // Sunday 02:33 CEST
    await c.tick("2026-10-26T01:03:00Z");
    expect(await c.status()).toBe("up");
    await c.tick("2026-10-26T01:04:00Z"); // 24 h 31 min later, job not done yet (runs at 02:30 CET = 01:30 UTC)
    expect(await c.status()).toBe("down");
    await c.ping("2026-10-26T01:33:00Z");
    expect(await c.status()).toBe("up");
    expect(c.jobs()).toEqual(["signal.raised", "signal.recovered"]);
  });
});

describe("cron schedule with a timezone", () => {
  const nightly = { kind: "cron" as const, cron: "30 2 * * *", timezone: "Europe/Amsterdam", grace: 1800 };

  it("spring forward: the run moved to 03:00 CEST is on time; a run that does not come is late 30 min after", async () => {
    const id = unique("spring");
    const c = await heartbeatClock({ id, name: "Nightly", schedule: nightly }, new Date("2026-03-20T00:00:00Z"));
    await c.ping("2026-03-28T01:33:00Z"); // Saturday 02:33 CET
    await c.tick("2026-03-29T01:30:00Z"); // Sunday 03:30 CEST: expected 03:00 CEST + 30 min, still on time
    expect(await c.status()).toBe("up");
    await c.tick("2026-03-29T01:31:00Z");
    expect(await c.status()).toBe("down");
    expect(c.jobs()).toEqual(["signal.raised"]);
    await c.ping("2026-03-29T01:40:00Z");
    expect(await c.status()).toBe("up");
    // Monday: expected 02:30 CEST = 00:30 UTC.
    await c.tick("2026-03-30T01:00:00Z");
    expect(await c.status()).toBe("up");
    await c.tick("2026-03-30T01:00:01Z");
    expect(await c.status()).toBe("down");
    expect(c.jobs()).toEqual(["signal.raised", "signal.recovered", "signal.raised"]);
  });

  it("autumn: the job on the 25-hour night is not late", async () => {
    const id = unique("autumn");
    const c = await heartbeatClock({ id, name: "Nightly", schedule: nightly }, new Date("2026-10-20T00:00:00Z"));
    await c.ping("2026-10-25T00:33:00Z"); // first 02:33 (CEST)
    await c.tick("2026-10-26T01:35:00Z"); // Monday 02:35 CET, running late but within grace
    await c.ping("2026-10-26T01:36:00Z");
    await c.tick("2026-10-26T02:30:00Z");
    expect(await c.status()).toBe("up");
    expect(c.jobs()).toEqual([]);
  });
});

describe("pings that report", () => {
  it("/fail takes it down at once with the job's own words; exit status 0 recovers it", async () => {
    const id = unique("agent");
    const c = await heartbeatClock({ id, name: "mx1 agent", schedule: { kind: "period", period: 300, grace: 120 } }, new Date("2026-12-01T00:00:00Z"));
    await c.ping("2026-12-01T00:05:00Z", "fail", "FAIL disk /var 97% used (limit 90%)\nOK queue 3");
    expect(await c.status()).toBe("down");
    const raised = c.t.queued.find((j) => j.type === "signal.raised" && j.sourceId === id) as Extract<Job, { type: "signal.raised" }>;
    expect(raised.subject).toBe('mx1 agent is down: The job reported a failure. It said: "FAIL disk /var 97% used (limit 90%)"');
    await c.ping("2026-12-01T00:10:00Z", "0", "OK disk /var 60%");
    expect(c.jobs()).toEqual(["signal.raised", "signal.recovered"]);
  });

  it("exit status 3 is a failure; /start alone changes nothing; a started run that never ends is late after grace", async () => {
    const id = unique("job");
    const c = await heartbeatClock({ id, name: "Job", schedule: { kind: "period", period: 3600, grace: 600 } }, new Date("2026-12-01T00:00:00Z"));
    await c.ping("2026-12-01T00:30:00Z", "3");
    expect(await c.status()).toBe("down");
    await c.ping("2026-12-01T00:40:00Z");
    await c.ping("2026-12-01T01:00:00Z", "start");
    expect(await c.status()).toBe("up");
    await c.tick("2026-12-01T01:10:01Z");
    expect(await c.status()).toBe("down");
    expect((await loadState(env.DB, "heartbeat", id))!.lastPingKind).toBe("start");
  });

  it("keeps each ping with its cleaned body, newest first, the last 100 only", async () => {
    const id = unique("log");
    const c = await heartbeatClock({ id, name: "Log", schedule: { kind: "period", period: 60, grace: 60 } }, new Date("2026-12-01T00:00:00Z"));
    await c.ping("2026-12-01T00:00:10Z", undefined, "line one\u001b[2J\r\nline two");
    const [ping] = await listPings(env.DB, id, 5);
    expect(ping).toMatchObject({ kind: "success", body: "line one[2J\nline two", bodyBytes: 22 });
    for (let i = 0; i < 105; i++) await c.ping(new Date(Date.parse("2026-12-01T00:01:00Z") + i * 1000).toISOString(), undefined, `ping ${i}`);
    const pings = await listPings(env.DB, id, 500);
    expect(pings).toHaveLength(100);
    expect(pings[0]!.body).toBe("ping 104");
  });
});

describe("the ping routes", () => {
  async function configured() {
    const id = unique("route");
    const tokens = await storeConfig({ heartbeats: [{ id, name: "Route", schedule: { kind: "period", period: 300, grace: 60 } }] });
    return { id, token: tokens[id]! };
  }

  it.each([
    ["GET", "", "success"],
    ["POST", "", "success"],
    ["HEAD", "", "success"],
    ["GET", "/start", "start"],
    ["POST", "/fail", "fail"],
    ["GET", "/0", "success"],
    ["POST", "/1", "fail"],
  ])("%s /heartbeat/{token}%s answers OK and records a %s ping", async (method, suffix, kind) => {
    const { id, token } = await configured();
    const res = await fetchWorker(`/heartbeat/${token}${suffix}`, { method, headers: { "cf-connecting-ip": `198.51.100.${Math.floor(Math.random() * 250)}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    if (method !== "HEAD") expect(await res.text()).toBe("OK");
    const [ping] = await listPings(env.DB, id, 1);
    expect(ping!.kind).toBe(kind);
  });

  it("keeps a POSTed body as the ping's log", async () => {
    const { id, token } = await configured();
    const res = await fetchWorker(`/heartbeat/${token}/fail`, { method: "POST", body: "FAIL disk / 96%\n", headers: { "content-type": "text/plain" } });
    expect(await res.text()).toBe("OK");
    expect((await listPings(env.DB, id, 1))[0]).toMatchObject({ kind: "fail", body: "FAIL disk / 96%\n" });
  });

  it("a ping is recorded in assurance as heartbeat:<id>", async () => {
    const { id, token } = await configured();
    await fetchWorker(`/heartbeat/${token}`);
    // Recorded after the answer (waitUntil): wait for it.
    await vi.waitFor(async () => {
      const row = await env.DB.prepare("SELECT last_verified_at FROM assurance_checks WHERE name = ?1").bind(`heartbeat:${id}`).first<{ last_verified_at: string }>();
      expect(row?.last_verified_at).toEqual(expect.any(String));
    });
  });
});
