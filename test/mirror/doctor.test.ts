// The doctor's mirror check: configured, reachable, and its summary.json as the live one.
import { env } from "cloudflare:workers";
import { servicesOf } from "../helpers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../functions/app";
import { mirrorDoctorCheck } from "../../functions/mirror/doctor";
import { publishMirror } from "../../functions/mirror/publisher";
import { createIncident } from "../../functions/status/writes";
import { BASE, staffHeaders } from "../helpers";
import { makeComponents } from "../status/fixtures";
import { currentVersion, envWith, newBucket } from "./helpers";

const publish = async (settings: Parameters<typeof publishMirror>[3]) =>
  publishMirror(servicesOf(), { type: "mirror.publish", version: await currentVersion(env.DB), reason: "manual" }, new Date(), settings);

describe("the doctor's mirror check", () => {
  it("warns when no mirror is configured", async () => {
    const check = await mirrorDoctorCheck(env, new Date());
    expect(check).toMatchObject({ id: "mirror", verdict: "warn" });
    expect(check.details[0]).toContain("No mirror target is configured");
  });

  it("fails when a target lacks its credentials", async () => {
    const bucket = await newBucket({ secretAccessKey: "" });
    const check = await mirrorDoctorCheck(env, new Date(), bucket.settings);
    expect(check.verdict).toBe("fail");
    expect(check.details.join(" ")).toContain("MIRROR_S3_SECRET_ACCESS_KEY");
  });

  it("fails when the mirror does not answer at its address", async () => {
    const bucket = await newBucket();
    const check = await mirrorDoctorCheck(env, new Date(), bucket.settings);
    expect(check.verdict).toBe("fail");
    expect(check.details[0]).toContain("does not answer /api/v2/summary.json (404)");
  });

  it("passes when the mirror says what the live site says, and fails when a change older than a few minutes is missing", async () => {
    await makeComponents(1);
    const bucket = await newBucket();
    await publish(bucket.settings);
    expect(await mirrorDoctorCheck(env, new Date(), bucket.settings)).toMatchObject({ verdict: "pass", details: [] });

    const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
    const id = await createIncident(servicesOf(), { name: "Not on the mirror", status: "investigating", impact: "minor", body: "x", components: {} }, "test", tenMinutesAgo);
    const stale = await mirrorDoctorCheck(env, new Date(), bucket.settings);
    expect(stale.verdict).toBe("fail");
    expect(stale.details.join(" ")).toContain(`Incident ${id} ("Not on the mirror") is missing on the mirror.`);

    await publish(bucket.settings);
    expect((await mirrorDoctorCheck(env, new Date(), bucket.settings)).verdict).toBe("pass");
  });

  it("is part of GET /api/admin/doctor and its verdict", async () => {
    const bucket = await newBucket();
    const res = await createApp().fetch(new Request(`${BASE}/api/admin/doctor`, { headers: staffHeaders() }), envWith(env, bucket.settings));
    const report = (await res.json()) as { verdict: string; checks: Array<{ id: string; verdict: string }> };
    expect(report.checks.find((c) => c.id === "mirror")).toMatchObject({ id: "mirror", verdict: "fail" });
    expect(report.verdict).toBe("fail");
  });
});
