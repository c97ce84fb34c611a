// The monitors cron task with a controlled clock: hysteresis end to end, exactly one queue job
// per status change (a re-run, a concurrent run or a failed queue send never makes two), the
// linked component moved by "monitor:<id>" and given back, the draft incident, bounded work,
// and one hung probe never holding up the others.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Job } from "../../contract/jobs";
import { MAX_PROBES_PER_TICK, runMonitorsTick } from "../../functions/monitors/cron";
import { hourlySince, listDrafts, listTransitions, loadState, resultsSince } from "../../functions/monitors/queries";
import { unique } from "../helpers";
import { auditActors, componentStatus, fakeServices, makeComponent, minutesAfter, monitorsEnv, smtpTarget, storeConfig, targetUrl } from "./helpers";

const start = new Date("2026-12-01T10:00:00Z");
const jobsOf = (queued: Job[], id: string) => queued.filter((j) => j.type.startsWith("signal.") && (j as { sourceId: string }).sourceId === id);

/** Runs one tick per minute from `from`, `count` times. */
async function ticks(t: ReturnType<typeof monitorsEnv>, from: Date, count: number) {
  for (let i = 0; i < count; i++) await runMonitorsTick(t.svc, minutesAfter(from, i), fakeServices());
}

describe("a monitor with hysteresis (3 failures down, 2 successes up)", () => {
  it("goes down at the third failure: one signal.raised, its component in major outage by monitor:<id>, a draft", async () => {
    const t = monitorsEnv();
    const id = unique("web");
    const cmp = await makeComponent();
    await storeConfig({ monitors: [{ id, name: "Website", kind: "http", target: targetUrl(`/seq/${id}/200,503,503,503,503,200,200`), component: cmp, urgency: "critical" }] });

    await ticks(t, start, 3); // 200, 503, 503
    expect(jobsOf(t.queued, id)).toEqual([]);
    expect(await componentStatus(cmp)).toBe("operational");
    expect((await loadState(env.DB, "monitor", id))!.status).toBe("up");

    await ticks(t, minutesAfter(start, 3), 1); // third 503
    const raised = jobsOf(t.queued, id);
    expect(raised).toEqual([
      {
        type: "signal.raised",
        source: "monitor",
        sourceId: id,
        key: `monitor:${id}:4`,
        subject: "Website is down: HTTP 503 (expected 2xx or 3xx).",
        text: expect.stringContaining("after 3 results in a row"),
        componentId: cmp,
        urgency: "critical",
      },
    ]);
    expect(await componentStatus(cmp)).toBe("major_outage");
    expect(await auditActors(cmp)).toEqual([`monitor:${id}`]);
    const [draft] = (await listDrafts(env.DB, "pending", 100)).filter((d) => d.watchId === id);
    expect(draft).toMatchObject({ source: "monitor", name: `Component ${cmp}: service disruption`, impact: "major", components: { [cmp]: "major_outage" }, recoveredAt: null });

    // Staying down (fourth 503) and re-running the same minute send nothing more.
    await ticks(t, minutesAfter(start, 4), 1);
    await runMonitorsTick(t.svc, minutesAfter(start, 4), fakeServices());
    expect(jobsOf(t.queued, id)).toHaveLength(1);

    // Two 200s in a row: recovered, under the same key, and the component given back.
    await ticks(t, minutesAfter(start, 5), 1);
    expect(jobsOf(t.queued, id)).toHaveLength(1);
    await ticks(t, minutesAfter(start, 6), 1);
    expect(jobsOf(t.queued, id).at(-1)).toEqual({ type: "signal.recovered", source: "monitor", sourceId: id, key: `monitor:${id}:4` });
    expect(jobsOf(t.queued, id)).toHaveLength(2);
    expect(await componentStatus(cmp)).toBe("operational");
    expect(await auditActors(cmp)).toEqual([`monitor:${id}`, `monitor:${id}`]);
    expect((await listDrafts(env.DB, "pending", 100)).find((d) => d.watchId === id)!.recoveredAt).toBe(minutesAfter(start, 6).toISOString());
    expect((await listTransitions(env.DB, "monitor", id)).map((r) => [r.from_status, r.to_status, r.done_at !== null])).toEqual([
      ["up", "down", true],
      ["down", "up", true],
    ]);
  });

  it("two runs at once record one change and send one job", async () => {
    const t = monitorsEnv();
    const id = unique("api");
    await storeConfig({ monitors: [{ id, name: "API", kind: "http", target: targetUrl("/status/500"), failuresToDown: 1 }] });
    await Promise.all([runMonitorsTick(t.svc, start, fakeServices()), runMonitorsTick(t.svc, start, fakeServices())]);
    await runMonitorsTick(t.svc, minutesAfter(start, 0.5), fakeServices());
    expect(jobsOf(t.queued, id)).toHaveLength(1);
    expect(await listTransitions(env.DB, "monitor", id)).toHaveLength(1);
  });

  it("a failed queue send is sent again by the next tick, still once", async () => {
    let failing = true;
    const t = monitorsEnv({ queueFails: () => failing });
    const id = unique("mx");
    await storeConfig({ monitors: [{ id, name: "MX", kind: "tcp", target: "127.0.0.1:9", failuresToDown: 1 }] });
    await runMonitorsTick(t.svc, start, fakeServices()).catch(() => undefined);
    expect(jobsOf(t.queued, id)).toHaveLength(0);
    const [row] = await listTransitions(env.DB, "monitor", id);
    expect(row).toMatchObject({ job_sent_at: null, done_at: null, attempts: 1, last_error: expect.stringContaining("503 Service Unavailable") });
    failing = false;
    await runMonitorsTick(t.svc, minutesAfter(start, 0.5), fakeServices());
    await runMonitorsTick(t.svc, minutesAfter(start, 0.7), fakeServices());
    expect(jobsOf(t.queued, id)).toHaveLength(1);
    expect((await listTransitions(env.DB, "monitor", id))[0]!.done_at).not.toBeNull();
  });

  it("slow answers make it degraded: a normal-urgency signal, the component left alone, no draft", async () => {
    const t = monitorsEnv();
    const id = unique("slow");
    const cmp = await makeComponent();
    await storeConfig({ monitors: [{ id, name: "Slow site", kind: "http", target: targetUrl("/slow/150"), thresholds: { latencyMs: 50 }, failuresToDown: 2, component: cmp }] });
    await ticks(t, start, 2);
    expect(jobsOf(t.queued, id)).toEqual([expect.objectContaining({ type: "signal.raised", urgency: "normal", subject: expect.stringMatching(/^Slow site is degraded: /) })]);
    expect(await componentStatus(cmp)).toBe("operational");
    expect((await listDrafts(env.DB, null, 100)).filter((d) => d.watchId === id)).toEqual([]);
  });

  it("a component staff changed during the outage is theirs: recovery leaves it", async () => {
    const t = monitorsEnv();
    const id = unique("db");
    const cmp = await makeComponent();
    await storeConfig({ monitors: [{ id, name: "DB", kind: "http", target: targetUrl(`/seq/${id}/503,200`), failuresToDown: 1, successesToRecover: 1, component: cmp }] });
    await ticks(t, start, 1);
    expect(await componentStatus(cmp)).toBe("major_outage");
    await env.DB.prepare("UPDATE components SET status = 'partial_outage' WHERE id = ?1").bind(cmp).run();
    await ticks(t, minutesAfter(start, 1), 1);
    expect(jobsOf(t.queued, id).map((j) => j.type)).toEqual(["signal.raised", "signal.recovered"]);
    expect(await componentStatus(cmp)).toBe("partial_outage");
  });

  it("a component under maintenance is never moved", async () => {
    const t = monitorsEnv();
    const id = unique("mnt");
    const cmp = await makeComponent("under_maintenance");
    await storeConfig({ monitors: [{ id, name: "In maintenance", kind: "http", target: targetUrl("/status/503"), failuresToDown: 1, component: cmp }] });
    await ticks(t, start, 1);
    expect(jobsOf(t.queued, id)).toHaveLength(1);
    expect(await componentStatus(cmp)).toBe("under_maintenance");
  });

  it("inconclusive results (our resolver failing) never take a monitor down", async () => {
    const t = monitorsEnv();
    const id = unique("dns");
    await storeConfig({ monitors: [{ id, name: "DNS", kind: "dns", target: "resolver-down.example-hosting.test", failuresToDown: 1 }] });
    await ticks(t, start, 3);
    expect(jobsOf(t.queued, id)).toEqual([]);
    expect(await loadState(env.DB, "monitor", id)).toMatchObject({ status: "up", lastLevel: "inconclusive", lastMessage: "The DNS-over-HTTPS resolver answered HTTP 502." });
  });

  it("a monitor removed while down has its signal closed", async () => {
    const t = monitorsEnv();
    const id = unique("gone");
    await storeConfig({ monitors: [{ id, name: "Old box", kind: "tcp", target: "127.0.0.1:9", failuresToDown: 1 }] });
    await ticks(t, start, 1);
    await storeConfig({ monitors: [] });
    await ticks(t, minutesAfter(start, 1), 1);
    expect(jobsOf(t.queued, id)).toEqual([expect.objectContaining({ type: "signal.raised" }), { type: "signal.recovered", source: "monitor", sourceId: id, key: `monitor:${id}:1` }]);
  });
});

describe("the tick's work", () => {
  it("runs probes side by side: a hung SMTP server holds up nobody", async () => {
    const t = monitorsEnv();
    const [hung, web, dns] = [unique("hung"), unique("web"), unique("dns")];
    await storeConfig({
      monitors: [
        { id: hung, name: "Hung MX", kind: "smtp", target: smtpTarget("silent"), mailFrom: "m@example-hosting.test", timeout: 2, failuresToDown: 1 },
        { id: web, name: "Web", kind: "http", target: targetUrl("/ok") },
        { id: dns, name: "DNS", kind: "dns", target: "mail.example-hosting.test" },
      ],
    });
    const started = Date.now();
    const summary = await runMonitorsTick(t.svc, start, fakeServices());
    expect(Date.now() - started).toBeLessThan(3500);
    expect(summary.probed).toBe(3);
    expect((await loadState(env.DB, "monitor", hung))!.status).toBe("down");
    expect((await loadState(env.DB, "monitor", web))!.lastLevel).toBe("up");
    expect((await loadState(env.DB, "monitor", dns))!.lastLevel).toBe("up");
  });

  it(`probes at most ${MAX_PROBES_PER_TICK} a tick; the rest go first next minute`, async () => {
    const t = monitorsEnv();
    const ids = Array.from({ length: MAX_PROBES_PER_TICK + 5 }, () => unique("many"));
    await storeConfig({ monitors: ids.map((id) => ({ id, name: id, kind: "http" as const, target: targetUrl("/ok"), interval: 300 })) });
    expect((await runMonitorsTick(t.svc, start, fakeServices())).probed).toBe(MAX_PROBES_PER_TICK);
    expect((await runMonitorsTick(t.svc, minutesAfter(start, 1), fakeServices())).probed).toBe(5);
    expect((await runMonitorsTick(t.svc, minutesAfter(start, 2), fakeServices())).probed).toBe(0);
    const checked = await Promise.all(ids.map(async (id) => (await loadState(env.DB, "monitor", id))!.lastCheckedAt));
    expect(checked.every((c) => c !== null)).toBe(true);
  });

  it("keeps every result for 48 hours and an hourly roll-up for the response-time chart", async () => {
    const t = monitorsEnv();
    const id = unique("chart");
    await storeConfig({ monitors: [{ id, name: "Chart", kind: "http", target: targetUrl(`/seq/${id}/200,200,503`) }] });
    await ticks(t, start, 3);
    const results = await resultsSince(env.DB, id, start);
    expect(results.map((r) => r.level)).toEqual(["up", "up", "down"]);
    expect(results[0]!.latencyMs).toEqual(expect.any(Number));
    const [hour] = await hourlySince(env.DB, id, start);
    expect(hour).toMatchObject({ hour: "2026-12-01T10:00:00.000Z", checks: 3, failures: 1, latencyAvgMs: expect.any(Number) });
    // Two days later the raw results are gone; the roll-up stays.
    await storeConfig({ monitors: [] });
    await runMonitorsTick(t.svc, new Date(start.getTime() + 49 * 3_600_000), fakeServices());
    expect(await resultsSince(env.DB, id, start)).toEqual([]);
    expect(await hourlySince(env.DB, id, start)).toHaveLength(1);
  });
});
