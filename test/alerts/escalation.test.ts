// Walking a plan: the unacknowledged timeline with a controlled clock (pure).
import { describe, expect, it } from "vitest";
import type { EscalationPlan } from "../../functions/oncall/config";
import { nextStep, unacknowledgedTimeline } from "../../functions/alerts/escalation";

const target = (id: string) => ({ personId: id, name: id, timezone: "UTC", contactMethods: [{ type: "email" as const, address: `${id}@example.test` }] });
const plan = (timeouts: number[], repeat: number): EscalationPlan => ({
  policyId: "p",
  repeat,
  levels: timeouts.map((t, i) => ({ timeoutMinutes: t, targets: [target(`l${i}`)] })),
});

describe("escalation steps", () => {
  it.each<[string, EscalationPlan, { level: number; round: number }, { level: number; round: number } | null]>([
    ["first page", plan([5, 10], 0), { level: -1, round: 0 }, { level: 0, round: 0 }],
    ["next level", plan([5, 10], 0), { level: 0, round: 0 }, { level: 1, round: 0 }],
    ["last level, no repeat: stop", plan([5, 10], 0), { level: 1, round: 0 }, null],
    ["last level, repeat left: start over", plan([5, 10], 2), { level: 1, round: 1 }, { level: 0, round: 2 }],
    ["last round done: stop", plan([5, 10], 2), { level: 1, round: 2 }, null],
    ["one level repeated", plan([5], 1), { level: 0, round: 0 }, { level: 0, round: 1 }],
    ["no levels: nothing to page", plan([], 3), { level: -1, round: 0 }, null],
  ])("%s", (_name, p, from, expected) => {
    expect(nextStep(p, from)).toEqual(expected);
  });

  it("pages level by level at each timeout, then repeats the policy", () => {
    const start = new Date("2026-11-28T12:00:00.000Z");
    const timeline = unacknowledgedTimeline(plan([5, 10], 1), start).map((s) => `${s.round}/${s.level}@${s.at.toISOString().slice(11, 16)}`);
    expect(timeline).toEqual(["0/0@12:00", "0/1@12:05", "1/0@12:15", "1/1@12:20"]);
  });
});
