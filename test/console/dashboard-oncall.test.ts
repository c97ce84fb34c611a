// The dashboard and the on-call page: open alerts with their escalation state (acknowledged
// from here), who is on call now and next, unacknowledged reports, each path's last
// verification; "take over now" as an override that pages the new person from then on; the
// doctor's verdicts.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { handleReportReceived } from "../../functions/alerts/lifecycle";
import { checkTone } from "../../functions/console/dashboard-routes";
import { loadActiveConfig } from "../../functions/oncall/queries";
import { onCallAt } from "../../functions/oncall/schedule";
import { recordCheckFailure, recordCheckSuccess } from "../../functions/assurance/queries";
import { insertReport, pushConfig, quietOnCall, testEnv } from "../alerts/helpers";
import { buildServices } from "../../functions/platform/services";
import { unique } from "../helpers";
import { consoleGet, consolePost, signedIn, textOf } from "./helpers";

const DAY = 86_400_000;

beforeAll(async () => {
  await pushConfig({
    version: 1,
    people: [
      { id: "ana", name: "Ana Oncall", timezone: "Europe/Amsterdam", contactMethods: [{ type: "email", address: "ana@oncall.example.com" }] },
      { id: "ben", name: "Ben Oncall", timezone: "Europe/Amsterdam", contactMethods: [{ type: "email", address: "ben@oncall.example.com" }] },
      { id: "lead", name: "Lea Lead", timezone: "Europe/Amsterdam", contactMethods: [{ type: "email", address: "lead@oncall.example.com" }] },
    ],
    rotations: [
      {
        id: "primary",
        name: "Primary",
        timezone: "Europe/Amsterdam",
        members: ["ana", "ben"],
        handoff: { every: "day", at: "09:00" },
        start: new Date(Date.now() - 10 * DAY).toISOString().slice(0, 10),
      },
    ],
    policies: [{ id: "default", name: "Default", levels: [{ timeoutMinutes: 5, targets: [{ rotation: "primary" }] }, { timeoutMinutes: 10, targets: [{ person: "lead" }] }] }],
    routing: { defaultPolicy: "default", rules: [] },
  } as never);
});

describe("the dashboard", () => {
  it("shows an open alert with its escalation state, and acknowledges it from there", async () => {
    await quietOnCall();
    const t = testEnv();
    const svc = buildServices(t.env);
    const r = await insertReport({ subject: `Everything is slow ${unique("d")}`, urgency: "critical" });
    await handleReportReceived(svc, r.job, new Date());
    const s = await signedIn("responder");
    const page = textOf(await (await consoleGet("/admin", s)).text());
    expect(page).toContain("Open alerts (1)");
    expect(page).toMatch(/Level 1 of 2, round 1 of 1: paged (Ana|Ben) Oncall; next escalation .* to Lea Lead/);
    expect(page).toContain(`First report ${r.reference}`);
    expect(page).toContain("Unacknowledged reports");

    const alert = (await env.DB.prepare("SELECT id FROM alerts WHERE first_report_id = ?1").bind(r.id).first<{ id: string }>())!;
    const ack = await consolePost(`/admin/alerts/${alert.id}/ack`, s);
    expect(ack.headers.get("location")).toBe("/admin?done=alert-acknowledged");
    const row = await env.DB.prepare("SELECT state, acknowledged_by FROM alerts WHERE id = ?1").bind(alert.id).first<{ state: string; acknowledged_by: string }>();
    expect(row).toEqual({ state: "acknowledged", acknowledged_by: s.name });
    const audit = await env.DB.prepare("SELECT actor_id FROM audit_log WHERE action = 'alert.acknowledge' AND target = ?1").bind(alert.id).first<{ actor_id: string }>();
    expect(audit!.actor_id).toBe(`member:${s.memberId}`);
    expect(textOf(await (await consoleGet("/admin?done=alert-acknowledged", s)).text())).toContain(`Acknowledged by ${s.name}`);
  });

  it("shows who is on call now and next", async () => {
    const s = await signedIn("responder");
    const stored = (await loadActiveConfig(env.DB))!;
    const now = onCallAt(stored.config.rotations[0]!, new Date())!;
    const name = now.personId === "ana" ? "Ana Oncall" : "Ben Oncall";
    const other = now.personId === "ana" ? "Ben Oncall" : "Ana Oncall";
    const page = textOf(await (await consoleGet("/admin", s)).text());
    expect(page).toContain(`Now: ${name}`);
    expect(page).toContain(`Next: ${other}`);
  });

  it.each<[string, { verified?: number; failed?: number }, string]>([
    ["cron verified a minute ago", { verified: 60_000 }, "ok"],
    ["cron silent for 20 minutes: pages may not go out", { verified: 20 * 60_000 }, "bad"],
    ["a channel failing since it last worked", { verified: 3_600_000, failed: 60_000 }, "bad"],
    ["a channel not used for two days", { verified: 2 * DAY }, "warn"],
    ["a path never verified", {}, "warn"],
  ])("rates the path check: %s", (label, ages, tone) => {
    const now = new Date();
    const at = (ms?: number) => (ms === undefined ? null : new Date(now.getTime() - ms).toISOString());
    const name = label.startsWith("cron") ? "cron" : "channel:email";
    expect(checkTone({ name, lastVerifiedAt: at(ages.verified), lastErrorAt: at(ages.failed), lastError: ages.failed ? "boom" : null, detail: null }, now)).toBe(tone);
  });

  it("lists every path's last verification, failing ones first", async () => {
    const name = `intake:${unique("path")}`;
    await recordCheckSuccess(env.DB, name, new Date(Date.now() - 3_600_000));
    await recordCheckFailure(env.DB, name, new Date(), new Error("provider answered 500"));
    const s = await signedIn("responder");
    const page = textOf(await (await consoleGet("/admin", s)).text());
    expect(page).toContain(`${name} failing`);
    expect(page).toContain("provider answered 500");
  });
});

describe("on-call", () => {
  it("lets a responder take over now: an override from now, and the new person is on call", async () => {
    const s = await signedIn("responder");
    const stored = (await loadActiveConfig(env.DB))!;
    const current = onCallAt(stored.config.rotations[0]!, new Date())!;
    const taker = current.personId === "ana" ? "ben" : "ana";
    const res = await consolePost("/admin/oncall/rotations/primary/take-over", s, { person: taker, duration: "shift", note: "I take tonight" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin/oncall?done=took-over");
    const after = (await loadActiveConfig(env.DB))!;
    const override = after.config.rotations[0]!.overrides.at(-1)!;
    expect(override).toMatchObject({ person: taker, note: "I take tonight" });
    expect(Date.parse(override.end)).toBe(current.end.getTime());
    expect(onCallAt(after.config.rotations[0]!, new Date(Date.now() + 1000))!.personId).toBe(taker);
    const audit = await env.DB.prepare("SELECT actor, actor_id FROM audit_log WHERE action = 'oncall.override' ORDER BY id DESC LIMIT 1").first<{ actor: string; actor_id: string }>();
    expect(audit).toEqual({ actor: s.name, actor_id: `member:${s.memberId}` });
    const page = textOf(await (await consoleGet("/admin/oncall?done=took-over", s)).text());
    expect(page).toContain("You are on call now");
    expect(page).toContain("override");
  });

  it("refuses someone who is not in the rotation, and a rotation that does not exist", async () => {
    const s = await signedIn("responder");
    expect((await consolePost("/admin/oncall/rotations/primary/take-over", s, { person: "lead", duration: "1h" })).status).toBe(400);
    expect((await consolePost("/admin/oncall/rotations/nope/take-over", s, { person: "ana", duration: "1h" })).status).toBe(404);
    expect((await consolePost("/admin/oncall/rotations/primary/take-over", s, { person: "ana", duration: "forever" })).status).toBe(400);
  });

  it("shows the doctor's verdicts", async () => {
    const s = await signedIn("responder");
    const page = textOf(await (await consoleGet("/admin/oncall", s)).text());
    expect(page).toContain("The doctor");
    expect(page).toMatch(/Overall: (PASS|WARN|FAIL)/);
    expect(page).toContain("Every policy reaches at least two independent kinds of channel");
  });
});
