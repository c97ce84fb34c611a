// The seam fan-out uses: the active configuration from D1, routed and resolved at an instant.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { OncallConfig } from "../../functions/oncall/config";
import { escalationPlanFor, findPerson } from "../../functions/oncall/plan";
import { insertConfigStatement, loadActiveConfig, serializeConfig } from "../../functions/oncall/queries";
import { config } from "./fixtures";

async function push(cfg: OncallConfig): Promise<void> {
  const { document, sha256 } = await serializeConfig(cfg);
  await insertConfigStatement(env.DB, { document, sha256, createdBy: "test", now: new Date() }).run();
}

// Wednesday 2026-03-11 is in the week from Monday 9 March: week 9 of the rotation, bob's.
const AT = new Date("2026-03-11T12:00:00Z");

describe("escalationPlanFor", () => {
  it("uses the default policy and resolves the rotation to whoever is on call", async () => {
    await push(config());
    const plan = await escalationPlanFor(env.DB, { channel: "web", urgency: "high", componentId: null }, AT);
    expect(plan).not.toBeNull();
    expect(plan!.policyId).toBe("default");
    expect(plan!.repeat).toBe(2);
    expect(plan!.levels.map((l) => [l.timeoutMinutes, l.targets.map((t) => t.personId)])).toEqual([
      [10, ["bob"]],
      [15, ["carol"]],
    ]);
    expect(plan!.levels[0]!.targets[0]).toEqual({
      personId: "bob",
      name: "Bob",
      timezone: "America/New_York",
      contactMethods: [{ type: "email", address: "bob@ops.example-hosting.nl" }, { type: "ntfy", topic: "bob-pages" }],
    });
  });

  it("routes by component to the matching policy and lists a person once per level", async () => {
    await push(config({ rotations: [{ id: "primary", timezone: "Europe/Amsterdam", members: ["carol"], handoff: { every: "day", at: "09:00" }, start: "2026-01-01" }] }));
    const plan = await escalationPlanFor(env.DB, { channel: "email", urgency: "normal", componentId: "cmp_dns" }, AT);
    expect(plan!.policyId).toBe("dns");
    expect(plan!.levels).toHaveLength(1);
    expect(plan!.levels[0]!.targets.map((t) => t.personId)).toEqual(["carol"]);
  });

  it.each([
    ["channel", { rules: [{ channels: ["sms" as const], policy: "dns" }], defaultPolicy: "default" }, { channel: "sms" as const, urgency: "normal" as const, componentId: null }, "dns"],
    ["channel, not matching", { rules: [{ channels: ["sms" as const], policy: "dns" }], defaultPolicy: "default" }, { channel: "web" as const, urgency: "normal" as const, componentId: null }, "default"],
    ["urgency", { rules: [{ urgencies: ["critical" as const], policy: "dns" }], defaultPolicy: "default" }, { channel: "web" as const, urgency: "critical" as const, componentId: null }, "dns"],
    ["all conditions must match", { rules: [{ channels: ["email" as const], urgencies: ["critical" as const], policy: "dns" }], defaultPolicy: "default" }, { channel: "email" as const, urgency: "high" as const, componentId: null }, "default"],
    ["a component rule never matches a report without component", { rules: [{ components: ["cmp_dns"], policy: "dns" }], defaultPolicy: "default" }, { channel: "web" as const, urgency: "high" as const, componentId: null }, "default"],
    ["the first matching rule wins", { rules: [{ urgencies: ["high" as const], policy: "dns" }, { channels: ["web" as const], policy: "default" }], defaultPolicy: "default" }, { channel: "web" as const, urgency: "high" as const, componentId: null }, "dns"],
  ])("routes by %s", async (_name, routing, route, expected) => {
    await push(config({ routing }));
    expect((await escalationPlanFor(env.DB, route, AT))!.policyId).toBe(expected);
  });

  it("applies an override at the instant asked", async () => {
    const cfg = config({
      rotations: [
        {
          id: "primary",
          timezone: "Europe/Amsterdam",
          members: ["alice", "bob"],
          handoff: { every: "week", day: "monday", at: "09:00" },
          start: "2026-01-05",
          overrides: [{ person: "alice", start: "2026-03-11T20:00", end: "2026-03-12T08:00", note: "I take tonight" }],
        },
      ],
    });
    await push(cfg);
    const route = { channel: "web" as const, urgency: "high" as const, componentId: null };
    expect((await escalationPlanFor(env.DB, route, new Date("2026-03-11T18:59:00Z")))!.levels[0]!.targets[0]!.personId).toBe("bob");
    expect((await escalationPlanFor(env.DB, route, new Date("2026-03-11T19:00:00Z")))!.levels[0]!.targets[0]!.personId).toBe("alice");
  });

  it("leaves out a level whose rotation has nobody on call, so the next level is paged at once", async () => {
    await push(config({ rotations: [{ id: "primary", timezone: "Europe/Amsterdam", members: ["alice"], handoff: { every: "day", at: "09:00" }, start: "2027-01-01" }] }));
    const plan = await escalationPlanFor(env.DB, { channel: "web", urgency: "high", componentId: null }, AT);
    expect(plan!.levels.map((l) => l.targets.map((t) => t.personId))).toEqual([["carol"]]);
  });

  it("always uses the newest version", async () => {
    await push(config({ routing: { rules: [], defaultPolicy: "dns" } }));
    await push(config({ routing: { rules: [], defaultPolicy: "default" } }));
    expect((await escalationPlanFor(env.DB, { channel: "api", urgency: "normal", componentId: null }, AT))!.policyId).toBe("default");
  });
});

describe("findPerson", () => {
  it("finds a person of the active configuration as a page target, or null", async () => {
    await push(config());
    expect((await findPerson(env.DB, "carol"))!.contactMethods.map((m) => m.type)).toEqual(["email", "voice"]);
    expect(await findPerson(env.DB, "nobody")).toBeNull();
  });
});

describe("a stored version that no longer passes the schema", () => {
  it("still pages with it as stored, while the strict read (doctor, GET) refuses it", async () => {
    const cfg = config();
    // As if a later deploy tightened a rule: a name longer than today's limit.
    const document = JSON.stringify({ ...cfg, people: cfg.people.map((p) => (p.id === "carol" ? { ...p, name: "C".repeat(300) } : p)) });
    await env.DB.prepare("INSERT INTO oncall_configs (document, sha256, created_at, created_by) VALUES (?1, 'x', ?2, 'test')").bind(document, new Date().toISOString()).run();
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const plan = await escalationPlanFor(env.DB, { channel: "web", urgency: "high", componentId: null }, AT);
    expect(plan!.levels.map((l) => l.targets.map((t) => t.personId))).toEqual([["bob"], ["carol"]]);
    expect(errors.mock.calls[0]![0]).toMatch(/is not valid: people.2.name/);
    await expect(loadActiveConfig(env.DB)).rejects.toThrow(/is not valid/);
    errors.mockRestore();
  });
});
