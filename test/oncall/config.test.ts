// The configuration schema: a valid document passes with defaults filled in; every mistake a
// team lead is likely to make is refused with a message that names the field.
import { describe, expect, it } from "vitest";
import { OncallConfig, oncallJsonSchema } from "../../functions/oncall/config";
import schemaText from "../../oncall.schema.json?raw";
import exampleText from "../../oncall.example.json?raw";
import demoText from "../../scripts/seed/oncall.demo.json?raw";
import { configInput } from "./fixtures";

function issues(doc: unknown): Array<[string, string]> {
  const result = OncallConfig.safeParse(doc);
  if (result.success) return [];
  return result.error.issues.map((i) => [i.path.join("."), i.message]);
}

describe("on-call configuration schema", () => {
  it("accepts a valid document, fills defaults and keeps // comments", () => {
    const parsed = OncallConfig.parse({ ...configInput(), "//": "Example Hosting on-call" });
    expect(parsed["//"]).toBe("Example Hosting on-call");
    expect(parsed.rotations[0]!.overrides).toEqual([]);
    expect(parsed.policies[1]!.repeat).toBe(0);
  });

  it("accepts the example file at the repository root", async () => {
    expect(issues(JSON.parse(exampleText))).toEqual([]);
  });

  it("accepts the demo configuration seeded by npm start", () => {
    expect(issues(JSON.parse(demoText))).toEqual([]);
  });

  const base = configInput();
  it.each<[string, unknown, string, RegExp]>([
    ["an unknown key (typo)", { ...base, policies: [{ ...base.policies[0]!, repeats: 2 }] }, "policies.0", /repeats/],
    ["a duplicate person id", { ...base, people: [...base.people, base.people[0]!] }, "people.3.id", /Duplicate id "alice"/],
    ["a rotation member who does not exist", { ...base, rotations: [{ ...base.rotations![0]!, members: ["alice", "zoe"] }] }, "rotations.0.members.1", /No person has the id "zoe"/],
    ["a policy target rotation that does not exist", { ...base, policies: [{ id: "default", levels: [{ timeoutMinutes: 5, targets: [{ rotation: "nope" }] }] }], routing: { defaultPolicy: "default" } }, "policies.0.levels.0.targets.0.rotation", /No rotation/],
    ["a routing rule to a missing policy", { ...base, routing: { rules: [{ urgencies: ["critical"], policy: "ghost" }], defaultPolicy: "default" } }, "routing.rules.0.policy", /No policy/],
    ["a missing default policy", { ...base, routing: { rules: [], defaultPolicy: "ghost" } }, "routing.defaultPolicy", /No policy/],
    ["an unknown timezone", { ...base, people: [{ ...base.people[0]!, timezone: "Europe/Atlantis" }, ...base.people.slice(1)] }, "people.0.timezone", /IANA/],
    ["a 12-hour clock time", { ...base, rotations: [{ ...base.rotations![0]!, handoff: { every: "day", at: "9am" } }] }, "rotations.0.handoff.at", /HH:mm/],
    ["a hand-off at 24:00", { ...base, rotations: [{ ...base.rotations![0]!, handoff: { every: "day", at: "24:00" } }] }, "rotations.0.handoff.at", /HH:mm/],
    ["a date that does not exist", { ...base, rotations: [{ ...base.rotations![0]!, start: "2026-02-30" }] }, "rotations.0.start", /does not exist/],
    ["an override that ends before it starts", { ...base, rotations: [{ ...base.rotations![0]!, overrides: [{ person: "carol", start: "2026-03-28T20:00", end: "2026-03-28T08:00" }] }] }, "rotations.0.overrides.0.end", /end after/],
    ["an override mixing wall-clock and absolute times", { ...base, rotations: [{ ...base.rotations![0]!, overrides: [{ person: "carol", start: "2026-03-28T20:00", end: "2026-03-29T08:00:00Z" }] }] }, "rotations.0.overrides.0.end", /same form/],
    ["an override by someone unknown", { ...base, rotations: [{ ...base.rotations![0]!, overrides: [{ person: "zoe", start: "2026-03-28T20:00", end: "2026-03-29T08:00" }] }] }, "rotations.0.overrides.0.person", /No person/],
    ["a rotation that ends before it starts", { ...base, rotations: [{ ...base.rotations![0]!, end: "2025-01-01" }] }, "rotations.0.end", /after the start/],
    ["a zero timeout", { ...base, policies: [{ id: "default", levels: [{ timeoutMinutes: 0, targets: [{ person: "alice" }] }] }, { id: "dns", levels: [{ timeoutMinutes: 5, targets: [{ person: "alice" }] }] }] }, "policies.0.levels.0.timeoutMinutes", /./],
    ["a person without contact methods", { ...base, people: [{ ...base.people[0]!, contactMethods: [] }, ...base.people.slice(1)] }, "people.0.contactMethods", /at least one contact method/],
    ["a phone number not in E.164", { ...base, people: [{ ...base.people[0]!, contactMethods: [{ type: "sms", number: "0612345678" }] }, ...base.people.slice(1)] }, "people.0.contactMethods.0.number", /E\.164/],
    ["a routing rule on an unknown report channel", { ...base, routing: { rules: [{ channels: ["pigeon"], policy: "default" }], defaultPolicy: "default" } }, "routing.rules.0.channels.0", /./],
    ["a target naming both a rotation and a person", { ...base, policies: [{ id: "default", levels: [{ timeoutMinutes: 5, targets: [{ rotation: "primary", person: "alice" }] }] }, base.policies[1]!] }, "policies.0.levels.0.targets.0", /./],
    ["version 2", { ...base, version: 2 }, "version", /./],
  ])("refuses %s", (_name, doc, path, message) => {
    const found = issues(doc);
    expect(found.length).toBeGreaterThan(0);
    const match = found.find(([p]) => p === path);
    expect(match, `issues were ${JSON.stringify(found)}`).toBeDefined();
    expect(match![1]).toMatch(message);
  });
});

describe("oncall.schema.json (for editors)", () => {
  it("is the JSON Schema of the current OncallConfig (regenerate: npm run oncall -- schema oncall.schema.json)", () => {
    expect(JSON.parse(schemaText)).toEqual(oncallJsonSchema());
  });
});
