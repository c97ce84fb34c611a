// The doctor on the cron: its verdict lands in assurance as "oncall:doctor".
import { env } from "cloudflare:workers";
import { servicesOf } from "../helpers";
import { describe, expect, it, vi } from "vitest";
import { listChecks } from "../../functions/assurance/queries";
import { oncallDoctorCronTask } from "../../functions/oncall/cron";
import { insertConfigStatement, serializeConfig } from "../../functions/oncall/queries";
import { config } from "./fixtures";

async function doctorCheck() {
  return (await listChecks(env.DB)).find((c) => c.name === "oncall:doctor");
}

describe("oncall-doctor cron task", () => {
  it("records a failing verdict with its reasons, only on the quarter hour", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const before = await doctorCheck();
    await oncallDoctorCronTask.run(servicesOf(), new Date("2026-03-20T12:07:00Z"));
    expect(await doctorCheck()).toEqual(before);

    // A rotation that starts long after the next 14 days: a gap, so the doctor fails.
    const gap = config({ rotations: [{ id: "primary", timezone: "Europe/Amsterdam", members: ["alice"], handoff: { every: "day", at: "09:00" }, start: "2099-01-01" }] });
    const { document, sha256 } = await serializeConfig(gap);
    await insertConfigStatement(env.DB, { document, sha256, createdBy: "test", now: new Date() }).run();
    await oncallDoctorCronTask.run(servicesOf(), new Date("2026-03-20T12:15:00Z"));
    const failed = await doctorCheck();
    expect(failed!.lastError).toMatch(/Rotation "primary" has nobody on call/);
    expect(failed!.lastErrorAt).toBe("2026-03-20T12:15:00.000Z");
    errors.mockRestore();
  });

  it("records success when no check fails", async () => {
    // Email and ntfy only (no secrets needed), a rotation without gaps.
    const cfg = config({
      people: [
        { id: "alice", name: "Alice", timezone: "Europe/Amsterdam", contactMethods: [{ type: "email", address: "alice@ops.example-hosting.nl" }, { type: "ntfy", topic: "alice-x" }] },
        { id: "bob", name: "Bob", timezone: "Europe/Amsterdam", contactMethods: [{ type: "email", address: "bob@ops.example-hosting.nl" }, { type: "ntfy", topic: "bob-x" }] },
        { id: "carol", name: "Carol", timezone: "Europe/Amsterdam", contactMethods: [{ type: "email", address: "carol@ops.example-hosting.nl" }, { type: "ntfy", topic: "carol-x" }] },
      ],
    });
    const { document, sha256 } = await serializeConfig(cfg);
    await insertConfigStatement(env.DB, { document, sha256, createdBy: "test", now: new Date() }).run();
    const now = new Date();
    now.setUTCMinutes(30, 0, 0);
    await oncallDoctorCronTask.run(servicesOf(), now);
    const check = await doctorCheck();
    expect(check!.lastVerifiedAt).toBe(now.toISOString());
    // "warn" under the test Worker's example-domain MAIL_FROM; never "fail".
    expect(["pass", "warn"]).toContain((check!.detail as { verdict: string }).verdict);
  });
});
