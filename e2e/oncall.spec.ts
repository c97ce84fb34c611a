// On-call configuration through the command-line tools against the very server `npm start`
// runs: the seeded demo configuration is active, `npm run oncall -- push/pull/now` change and
// show it, `npm run doctor` judges it (exit status), `npm run page:test` sends a page mail.
import { spawnSync } from "node:child_process";
import { readFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { E2E_PORT, E2E_STAFF_TOKEN } from "../playwright.config";
import { expect, test } from "./fixtures";

function npm(args: string[]): { status: number | null; out: string } {
  const result = spawnSync("npm", ["run", "-s", ...args], {
    encoding: "utf8",
    env: { ...process.env, PORT: String(E2E_PORT), OOB_STATE_DIR: `.wrangler/e2e-state-${E2E_PORT}`, STAFF_TOKEN: E2E_STAFF_TOKEN },
    timeout: 90_000,
  });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

test.describe("on-call configuration tools", () => {
  test.setTimeout(300_000);

  test("the demo configuration is seeded, and push, now, doctor and pull work on it", async ({ staffApi }) => {
    const seeded = await staffApi.get("/api/admin/oncall");
    expect(seeded.status()).toBe(200);
    const original = (await seeded.json()) as { version: number; created_by: string };
    expect(original.created_by).toBe("seed");

    // The doctor on the demo configuration: warnings (example domains) but no failure.
    const demoDoctor = npm(["doctor"]);
    expect(demoDoctor.out).toContain("PASS  No rotation has a gap in the next 14 days");
    expect(demoDoctor.status, demoDoctor.out).toBe(0);

    const backup = join(mkdtempSync(join(tmpdir(), "oob-e2e-oncall-")), "demo.json");
    const pulled = npm(["oncall", "--", "pull", backup]);
    expect(pulled.status, pulled.out).toBe(0);
    expect(JSON.parse(readFileSync(backup, "utf8")).people.map((p: { id: string }) => p.id)).toContain("demo-lead");

    try {
      const pushed = npm(["oncall", "--", "push", "oncall.example.json"]);
      expect(pushed.status, pushed.out).toBe(0);
      expect(pushed.out).toContain("oncall.example.json: 4 people, 3 rotations, 2 policies");
      expect(pushed.out).toMatch(/Stored oncall.example.json in local D1 as version \d+/);

      const schedule = (await (await staffApi.get("/api/admin/oncall/schedule")).json()) as { rotations: Array<{ id: string; on_call: { person: string } | null }> };
      expect(schedule.rotations.map((r) => r.id)).toEqual(["primary", "americas", "secondary"]);
      expect(schedule.rotations.every((r) => r.on_call !== null)).toBe(true);

      const override = npm(["oncall", "--", "override", "primary", "carol", "2030-01-01T18:00", "2030-01-02T09:00", "--note", "I take tonight"]);
      expect(override.status, override.out).toBe(0);
      const stored = (await (await staffApi.get("/api/admin/oncall")).json()) as { config: { rotations: Array<{ id: string; overrides: Array<{ person: string; note?: string }> }> } };
      expect(stored.config.rotations[0]!.overrides.at(-1)).toMatchObject({ person: "carol", note: "I take tonight" });

      const now = npm(["oncall", "--", "now", "--days", "2"]);
      expect(now.status, now.out).toBe(0);
      expect(now.out).toContain("Primary on-call (primary, Europe/Amsterdam)");

      // The example pages by Pushover, Telegram and a webhook, whose secrets this server lacks:
      // the doctor fails. Twilio is npm start's local stand-in (demo secrets), whose number's
      // webhooks point here: that check passes.
      const doctor = npm(["doctor"]);
      expect(doctor.status).toBe(1);
      expect(doctor.out).toContain("FAIL  Every secret a channel needs is set");
      expect(doctor.out).toContain("PUSHOVER_APP_TOKEN");
      expect(doctor.out).toContain("PASS  Each provider's webhooks point at this Worker");

      const invalid = npm(["oncall", "--", "push", "package.json"]);
      expect(invalid.status).toBe(1);
      expect(invalid.out).toContain("is not a valid on-call configuration");
    } finally {
      const restored = npm(["oncall", "--", "push", backup]);
      expect(restored.status, restored.out).toBe(0);
    }
  });

  test("page:test sends a real (simulated) page mail to each method of a person", async ({ request }) => {
    const result = npm(["page:test", "--", "--person", "demo-lead"]);
    expect(result.status, result.out).toBe(0);
    expect(result.out).toMatch(/SENT\s+#1 email/);
    const mail = (await (await request.get("/cdn-cgi/local/explorer/api/local/email/sending")).json()) as { result: Array<{ to: string[]; subject: string }> };
    expect(mail.result.some((m) => m.to.includes("lead@oncall.example-hosting.test") && /Test page/.test(m.subject))).toBe(true);

    const unknown = npm(["page:test", "--", "--person", "nobody"]);
    expect(unknown.status).toBe(1);
    expect(unknown.out).toContain("404");
  });
});
