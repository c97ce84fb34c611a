// With no configuration ever pushed there is no plan (fan-out records that nobody is routed).
// A file of its own: storage is per file, and the other files push configurations.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { escalationPlanFor, findPerson } from "../../functions/oncall/plan";

describe("without an on-call configuration", () => {
  it("escalationPlanFor answers null and findPerson finds nobody", async () => {
    expect(await escalationPlanFor(env.DB, { channel: "web", urgency: "high", componentId: null }, new Date())).toBeNull();
    expect(await findPerson(env.DB, "alice")).toBeNull();
  });
});
