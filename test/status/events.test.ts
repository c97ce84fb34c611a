// The status.published seam: every status write stores its event in the same D1 batch, then
// dispatches it; each registered consumer runs once per event, a failing one is retried without
// repeating the others, and the sweep re-sends what the queue never took.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { StatusPublishedJob, type Job } from "../../contract/jobs";
import { buildServices, type Services } from "../../functions/platform/services";
import type { JobContext } from "../../functions/platform/tasks";
import { resendUndispatchedStatusEvents, statusEventHandlers, type StatusEventConsumer } from "../../functions/status/events";
import { advanceMaintenances, createIncident, createMaintenance, setComponentStatus } from "../../functions/status/writes";
import { unique } from "../helpers";
import { makeComponents } from "./fixtures";

/** Services whose queue is captured (and can be made to fail). */
function captured(opts: { failSends?: boolean } = {}) {
  const sent: Array<{ body: Job; delaySeconds: number }> = [];
  const queue = {
    send: async (body: Job, o?: { delaySeconds?: number }) => {
      if (opts.failSends) throw new Error("queue unavailable");
      sent.push({ body, delaySeconds: o?.delaySeconds ?? 0 });
    },
    sendBatch: async (msgs: Iterable<{ body: Job }>) => {
      for (const m of msgs) sent.push({ body: m.body, delaySeconds: 0 });
    },
  };
  const svc = buildServices({ ...env, FANOUT: queue as unknown as Queue });
  return { svc, sent };
}

async function eventRow(where: string, value: string) {
  return env.DB.prepare(`SELECT * FROM status_events WHERE ${where} = ?1`).bind(value).first<{ id: string; payload: string; dispatched_at: string | null; attempts: number; last_error: string | null; last_attempt_at: string }>();
}

const ctxOf = (svc: Services): JobContext => ({ svc, now: new Date(), messageId: crypto.randomUUID(), attempts: 1 });

describe("every status write publishes one event", () => {
  it("an incident's event is stored with the write and sent: ids, moves, notify, actor", async () => {
    const { svc, sent } = captured();
    const { ids } = await makeComponents(1);
    const id = await createIncident(svc, { name: `Event ${unique()}`, status: "investigating", impact: "major", body: "Looking.", components: { [ids[0]!]: "major_outage" } }, "ada", new Date());
    const row = await eventRow("incident_id", id);
    const event = StatusPublishedJob.parse(JSON.parse(row!.payload));
    expect(event).toMatchObject({
      type: "status.published",
      eventId: row!.id,
      kind: "incident",
      incidentId: id,
      changes: [{ componentId: ids[0], from: "operational", to: "major_outage" }],
      notify: { subscribers: true, social: true },
      actor: "ada",
    });
    const update = await env.DB.prepare("SELECT id FROM incident_updates WHERE incident_id = ?1").bind(id).first<{ id: string }>();
    expect(event.updateId).toBe(update!.id);
    // Sent once, as the queued safety copy of the inline run (no runner wired here: plain send).
    expect(sent.map((s) => s.body)).toEqual([event]);
  });

  it("a write that fails stores no event", async () => {
    const { svc, sent } = captured();
    const before = (await env.DB.prepare("SELECT COUNT(*) AS n FROM status_events").first<{ n: number }>())!.n;
    await expect(createIncident(svc, { name: "Bad", status: "investigating", impact: "minor", body: "x", components: { cmp_nope: "major_outage" } }, "ada", new Date())).rejects.toThrow(/Unknown component/);
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM status_events").first<{ n: number }>())!.n).toBe(before);
    expect(sent).toEqual([]);
  });

  it("a queue that is down fails nothing: the write stands, the row keeps the error, and the sweep sends it later", async () => {
    const down = captured({ failSends: true });
    const id = await createIncident(down.svc, { name: `Queue down ${unique()}`, status: "investigating", impact: "minor", body: "Looking.", components: {} }, "ada", new Date());
    const row = await eventRow("incident_id", id);
    expect(row).toMatchObject({ dispatched_at: null, last_error: "queue unavailable" });
    const up = captured();
    // Not before a minute has passed (the write's own send counts as the first).
    await resendUndispatchedStatusEvents(up.svc, new Date(Date.now() + 30_000));
    expect(up.sent.filter((s) => (s.body as { eventId?: string }).eventId === row!.id)).toEqual([]);
    await resendUndispatchedStatusEvents(up.svc, new Date(Date.now() + 90_000));
    expect(up.sent.filter((s) => (s.body as { eventId?: string }).eventId === row!.id)).toHaveLength(1);
    expect((await eventRow("id", row!.id))!.attempts).toBe(2);
  });

  it("a component moved by hand publishes a component event; setting the status it has publishes nothing", async () => {
    const { svc, sent } = captured();
    const { ids } = await makeComponents(1);
    await setComponentStatus(svc, ids[0]!, "partial_outage", "ada", new Date(), { subscribers: false, social: true });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body).toMatchObject({ kind: "component", incidentId: null, updateId: null, notify: { subscribers: false, social: true }, changes: [{ componentId: ids[0], from: "operational", to: "partial_outage" }] });
    await setComponentStatus(svc, ids[0]!, "partial_outage", "ada", new Date());
    expect(sent).toHaveLength(1);
  });

  it("the maintenance clock publishes its moves, as actor cron", async () => {
    const { svc, sent } = captured();
    const { ids } = await makeComponents(1);
    const start = new Date(Date.now() + 3_600_000);
    const id = await createMaintenance(svc, { name: `Window ${unique()}`, body: "Planned.", scheduled_for: start.toISOString(), scheduled_until: new Date(start.getTime() + 3_600_000).toISOString(), components: [ids[0]!] }, "ada", new Date());
    expect(sent.map((s) => s.body)).toMatchObject([{ kind: "maintenance", incidentId: id, actor: "ada" }]);
    await advanceMaintenances(svc, new Date(start.getTime() + 60_000));
    const started = sent.map((s) => s.body).filter((b) => (b as { incidentId?: string }).incidentId === id);
    expect(started).toHaveLength(2);
    expect(started[1]).toMatchObject({ kind: "maintenance", actor: "cron", changes: [{ componentId: ids[0], from: "operational", to: "under_maintenance" }] });
  });
});

describe("consumers of status.published", () => {
  it("each runs once; a failing one is retried without repeating the others; then the event is dispatched", async () => {
    const { svc, sent } = captured();
    const id = await createIncident(svc, { name: `Consumers ${unique()}`, status: "investigating", impact: "minor", body: "Looking.", components: {} }, "ada", new Date());
    const event = sent[0]!.body as StatusPublishedJob;
    const calls: string[] = [];
    let mirrorWorks = false;
    const consumers: StatusEventConsumer[] = [
      { name: "subscribers-test", handle: async (e) => void calls.push(`subscribers:${e.eventId}`) },
      {
        name: "mirror-test",
        handle: async (e) => {
          calls.push(`mirror:${e.eventId}`);
          if (!mirrorWorks) throw new Error("mirror provider down");
        },
      },
    ];
    const handle = statusEventHandlers(consumers)["status.published"]!;
    await expect(handle(event, ctxOf(svc))).rejects.toThrow(/mirror-test failed/);
    expect((await eventRow("incident_id", id))!.dispatched_at).toBeNull();
    mirrorWorks = true;
    await handle(event, ctxOf(svc));
    expect(calls).toEqual([`subscribers:${event.eventId}`, `mirror:${event.eventId}`, `mirror:${event.eventId}`]);
    expect((await eventRow("incident_id", id))!.dispatched_at).not.toBeNull();
    // A late copy of the job runs nobody again.
    await handle(event, ctxOf(svc));
    expect(calls).toHaveLength(3);
    const done = await env.DB.prepare("SELECT consumer FROM status_event_consumers WHERE event_id = ?1 ORDER BY consumer").bind(event.eventId).all<{ consumer: string }>();
    expect(done.results.map((r) => r.consumer)).toEqual(["mirror-test", "subscribers-test"]);
  });

  it("the sweep leaves dispatched events alone", async () => {
    const { svc, sent } = captured();
    await createIncident(svc, { name: `Done ${unique()}`, status: "investigating", impact: "minor", body: "Looking.", components: {} }, "ada", new Date());
    const event = sent[0]!.body as StatusPublishedJob;
    await statusEventHandlers([])["status.published"]!(event, ctxOf(svc));
    const again = captured();
    await resendUndispatchedStatusEvents(again.svc, new Date(Date.now() + 3_600_000));
    expect(again.sent.filter((s) => (s.body as { eventId?: string }).eventId === event.eventId)).toEqual([]);
  });
});

describe("the staff API's notify choice", () => {
  it("defaults each choice to true, keeps what staff set, and refuses anything but the two booleans", async () => {
    const { postJson, staffHeaders } = await import("../helpers");
    const res = await postJson("/api/admin/incidents", { name: `Notify ${unique()}`, body: "x", notify: { social: false } }, staffHeaders());
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    expect(JSON.parse((await eventRow("incident_id", id))!.payload).notify).toEqual({ subscribers: true, social: false });
    const bad = await postJson("/api/admin/incidents", { name: "Bad notify", body: "x", notify: { subscribers: "yes" } }, staffHeaders());
    expect(bad.status).toBe(400);
    const extra = await postJson(`/api/admin/incidents/${id}/updates`, { status: "resolved", body: "Fixed.", notify: { sms: true } }, staffHeaders());
    expect(extra.status).toBe(400);
  });
});
