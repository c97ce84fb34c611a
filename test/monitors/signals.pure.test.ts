// What a status change does, table-driven: the one queue job it sends (none for a partial
// recovery), the key that ties an outage's jobs together, the component move, the draft.
import { describe, expect, it } from "vitest";
import type { ComponentStatus } from "../../contract/status";
import { componentMoveDecision, draftIncident, planTransition, type ComponentMove, type WatchDefinition } from "../../functions/monitors/signals.pure";
import type { Level } from "../../functions/monitors/state.pure";

const web: WatchDefinition = {
  source: "monitor",
  id: "web",
  name: "Website",
  describe: "HTTP check of https://www.example-hosting.test/",
  component: "cmp_web",
  componentEffect: { down: "major_outage", degraded: null },
  urgency: "critical",
};
const at = new Date("2026-12-01T10:02:00Z");

function plan(from: Level, to: Level, episodeKey: string | null = null, def = web) {
  return planTransition(def, { from, to }, { seq: 7, episodeKey, reason: "HTTP 503 (expected 2xx or 3xx).", at, streak: 3 });
}

describe("planTransition", () => {
  it("up -> down raises a signal with the monitor's urgency, a new key, the component down and a draft", () => {
    const p = plan("up", "down");
    expect(p).toMatchObject({
      id: "monitor:web:7",
      signalKey: "monitor:web:7",
      episodeKeyAfter: "monitor:web:7",
      component: { componentId: "cmp_web", action: "worsen", to: "major_outage" },
      draftWanted: true,
    });
    expect(p.job).toEqual({
      type: "signal.raised",
      source: "monitor",
      sourceId: "web",
      key: "monitor:web:7",
      subject: "Website is down: HTTP 503 (expected 2xx or 3xx).",
      text: expect.stringContaining("after 3 results in a row"),
      componentId: "cmp_web",
      urgency: "critical",
    });
  });

  it("up -> degraded raises at normal urgency and leaves the component alone by default", () => {
    const p = plan("up", "degraded");
    expect(p.job).toMatchObject({ type: "signal.raised", urgency: "normal", subject: expect.stringMatching(/^Website is degraded: /) });
    expect(p.component).toBeNull();
    expect(p.draftWanted).toBe(false);
  });

  it("degraded -> down raises again under the same key (the same outage got worse)", () => {
    const p = plan("degraded", "down", "monitor:web:3");
    expect(p.signalKey).toBe("monitor:web:3");
    expect(p.job).toMatchObject({ type: "signal.raised", key: "monitor:web:3", urgency: "critical" });
    expect(p.draftWanted).toBe(true);
  });

  it("down -> degraded sends no job (nobody is paged again) and steps the component back", () => {
    const p = plan("down", "degraded", "monitor:web:3");
    expect(p.job).toBeNull();
    expect(p.component).toEqual({ componentId: "cmp_web", action: "restore", to: "operational" });
    expect(p.episodeKeyAfter).toBe("monitor:web:3");
  });

  it("-> up sends signal.recovered with the outage's key and restores the component", () => {
    const p = plan("down", "up", "monitor:web:3");
    expect(p.job).toEqual({ type: "signal.recovered", source: "monitor", sourceId: "web", key: "monitor:web:3" });
    expect(p.component).toEqual({ componentId: "cmp_web", action: "restore", to: "operational" });
    expect(p.episodeKeyAfter).toBeNull();
    expect(p.draftWanted).toBe(false);
  });

  it("without a linked component there is no move, and the job says so", () => {
    const p = plan("up", "down", null, { ...web, component: undefined });
    expect(p.component).toBeNull();
    expect(p.job).toMatchObject({ componentId: null, text: expect.stringContaining("No component is linked.") });
  });

  it("a heartbeat's alert does not talk about results in a row", () => {
    const p = plan("up", "down", null, { ...web, source: "heartbeat", id: "backup", describe: "heartbeat" });
    expect(p.id).toBe("heartbeat:backup:7");
    expect(p.job).toMatchObject({ source: "heartbeat", sourceId: "backup" });
    expect((p.job as { text: string }).text).not.toContain("in a row");
  });

  it("keeps subjects within the job schema's bounds", () => {
    const p = planTransition(web, { from: "up", to: "down" }, { seq: 1, episodeKey: null, reason: "x".repeat(1000), at, streak: 3 });
    expect((p.job as { subject: string }).subject.length).toBeLessThanOrEqual(300);
  });
});

describe("componentMoveDecision: staff always win", () => {
  const worsen = (to: ComponentStatus): ComponentMove => ({ componentId: "c", action: "worsen", to });
  const restore = (to: ComponentStatus): ComponentMove => ({ componentId: "c", action: "restore", to });
  it.each<[string, ComponentMove, ComponentStatus, ComponentStatus | null, boolean]>([
    ["worsen an operational component", worsen("major_outage"), "operational", null, true],
    ["worsen a degraded one further", worsen("major_outage"), "degraded_performance", null, true],
    ["never under maintenance", worsen("major_outage"), "under_maintenance", null, false],
    ["not when staff already set it worse", worsen("partial_outage"), "major_outage", null, false],
    ["not when it already shows that", worsen("major_outage"), "major_outage", null, false],
    ["restore what this watch set", restore("operational"), "major_outage", "major_outage", true],
    ["not what staff changed since", restore("operational"), "partial_outage", "major_outage", false],
    ["not when this watch set nothing", restore("operational"), "major_outage", null, false],
    ["not during maintenance", restore("operational"), "under_maintenance", "major_outage", false],
  ])("%s", (_n, move, current, applied, expected) => {
    expect(componentMoveDecision(move, current, applied)).toBe(expected);
  });
});

describe("draftIncident", () => {
  it("names the component, not the internal target, and puts it in the monitor's down status", () => {
    expect(draftIncident({ watchName: "mx1 SMTP 587", componentId: "cmp_mail", componentName: "Mail", componentStatus: "major_outage", at })).toEqual({
      name: "Mail: service disruption",
      status: "investigating",
      impact: "major",
      body: "We are investigating problems with Mail. Our monitoring noticed them at 10:02 UTC. We will post an update here as soon as we know more.",
      components: { cmp_mail: "major_outage" },
    });
  });

  it("a partial outage is a minor incident; no component means no component change", () => {
    expect(draftIncident({ watchName: "Backups", componentId: "c", componentName: "Backups", componentStatus: "partial_outage", at }).impact).toBe("minor");
    expect(draftIncident({ watchName: "Backups", componentId: null, componentName: null, componentStatus: null, at })).toMatchObject({ name: "Backups: service disruption", impact: "major", components: {} });
  });
});
