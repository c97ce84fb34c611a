// The assurance watch with a controlled clock and the real fan-out (D1, on-call routing,
// deliveries to the loopback fakes): drift found after two failing runs and paged through a
// channel that still works, once; the weekly test page acknowledged or escalated.
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Job } from "../../contract/jobs";
import { handleSignalRaised, handleSignalRecovered } from "../../functions/alerts/signals";
import { acknowledgeAlert } from "../../functions/alerts/lifecycle";
import { findCheck, recordCheckFailure, recordCheckSuccess } from "../../functions/assurance/queries";
import { detectDrift } from "../../functions/assurance/watch/drift";
import { runHumanCheck } from "../../functions/assurance/watch/human-check";
import { readWatchSettings, type WatchSettings } from "../../functions/assurance/watch/settings";
import { sendWeeklySummary } from "../../functions/assurance/watch/summary";
import { fetchWorker, staffHeaders, unique } from "../helpers";
import { deliveriesOf, drain, pushConfig, quietOnCall, testEnv, type TestEnv } from "../alerts/helpers";

const ops = { id: "ops", name: "Ops", timezone: "UTC", contactMethods: [{ type: "telegram" as const, chatId: "42" }, { type: "email" as const, address: "ops@ops.example.test" }] };

beforeAll(async () => {
  await pushConfig(
    {
      version: 1,
      people: [ops, { id: "lead", name: "Lead", timezone: "UTC", contactMethods: [{ type: "email", address: "lead@ops.example.test" }] }],
      policies: [{ id: "infra", levels: [{ timeoutMinutes: 5, targets: [{ person: "ops" }] }, { timeoutMinutes: 5, targets: [{ person: "lead" }] }] }],
      routing: { rules: [], defaultPolicy: "infra" },
    },
    new Date("2026-01-01T00:00:00Z"),
  );
});

beforeEach(async () => {
  await quietOnCall();
  // Each test starts with no open drift of earlier tests and only its own checks' history.
  await env.DB.batch([env.DB.prepare("DELETE FROM assurance_drifts"), env.DB.prepare("DELETE FROM assurance_check_runs"), env.DB.prepare("DELETE FROM assurance_human_checks")]);
});

/** Runs the signal jobs the watch queued through the fan-out, then the sends. */
async function fanOut(t: TestEnv, now: Date): Promise<Job[]> {
  const signals: Job[] = [];
  for (let i = t.queued.findIndex((q) => q.body.type.startsWith("signal.")); i >= 0; i = t.queued.findIndex((q) => q.body.type.startsWith("signal."))) {
    const body = t.queued.splice(i, 1)[0]!.body;
    signals.push(body);
    if (body.type === "signal.raised") await handleSignalRaised(t.svc, body, now);
    else if (body.type === "signal.recovered") await handleSignalRecovered(t.svc, body, now);
  }
  await drain(t, now);
  return signals;
}

async function alertsOf(key: string) {
  const { results } = await env.DB.prepare("SELECT id, state, channel, subject FROM alerts WHERE group_key = ?1 ORDER BY created_at").bind(`signal:${key}`).all<{ id: string; state: string; channel: string; subject: string }>();
  return results;
}

interface AssuranceBody {
  drifts: Array<{ key: string; kind: string; subject: string; opened_at: string }>;
  human_check: { last: { started_at: string; state: string } | null; next_at: string | null };
}
async function assurance(): Promise<AssuranceBody> {
  const res = await fetchWorker("/api/admin/assurance", { headers: staffHeaders() });
  expect(res.status).toBe(200);
  return (await res.json()) as AssuranceBody;
}
/** The doctor's verdict on the watch (`npm run doctor` prints the same). */
async function watchVerdict(): Promise<{ verdict: string; details: string[] }> {
  const doctor = (await (await fetchWorker("/api/admin/doctor", { headers: staffHeaders() })).json()) as { checks: Array<{ id: string; verdict: string; details: string[] }> };
  return doctor.checks.find((c) => c.id === "assurance-watch")!;
}

const at = (minutes: number) => new Date(Date.UTC(2026, 11, 1, 9, 0) + minutes * 60_000);

describe("drift detection", () => {
  it("finds a channel that starts failing after the second failing run and pages once, through another channel", async () => {
    const t = testEnv();
    const name = `channel:telegram`;
    await recordCheckSuccess(env.DB, name, at(0));
    await recordCheckFailure(env.DB, name, at(15), "401 Unauthorized: bot token revoked");
    expect((await detectDrift(t.svc, at(15))).opened).toEqual([]);
    expect(await fanOut(t, at(15))).toEqual([]);

    await recordCheckFailure(env.DB, name, at(30), "401 Unauthorized: bot token revoked");
    expect((await detectDrift(t.svc, at(30))).opened).toEqual([`drift:check:${name}`]);
    await fanOut(t, at(30));
    const [alert] = await alertsOf(`drift:check:${name}`);
    expect(alert).toMatchObject({ state: "triggered", channel: "assurance" });
    expect(alert!.subject).toContain("channel:telegram failed 2 times in a row");
    // Paged by mail only: the broken Telegram is left out of the page about it.
    expect((await deliveriesOf(alert!.id)).map((d) => d.channel)).toEqual(["email"]);
    expect(t.mail.map((m) => m.to)).toEqual(["ops@ops.example.test"]);
    expect(t.mail[0]!.text).toContain("401 Unauthorized");
    // Staff see it where they look: the assurance API lists it, the doctor fails on it.
    expect((await assurance()).drifts).toEqual([expect.objectContaining({ key: `drift:check:${name}`, kind: "check", opened_at: at(30).toISOString() })]);
    expect(await watchVerdict()).toMatchObject({ verdict: "fail", details: expect.arrayContaining([expect.stringContaining("channel:telegram failed 2 times in a row")]) });

    // Still failing: no second alert, no second page.
    await recordCheckFailure(env.DB, name, at(45), "401 Unauthorized: bot token revoked");
    expect((await detectDrift(t.svc, at(45))).opened).toEqual([]);
    await fanOut(t, at(45));
    expect(await alertsOf(`drift:check:${name}`)).toHaveLength(1);
    expect(t.mail).toHaveLength(1);

    // Recovered: the alert resolves itself.
    await recordCheckSuccess(env.DB, name, at(60));
    expect((await detectDrift(t.svc, at(60))).closed).toEqual([`drift:check:${name}`]);
    await fanOut(t, at(60));
    expect((await alertsOf(`drift:check:${name}`))[0]!.state).toBe("resolved");
    expect((await assurance()).drifts).toEqual([]);
    expect((await watchVerdict()).details.some((d) => d.includes("channel:telegram"))).toBe(false);
  });

  it("does not page for a single failure followed by a success (a blip)", async () => {
    const t = testEnv();
    const name = unique("intake:blip");
    await recordCheckFailure(env.DB, name, at(0), "timeout");
    await recordCheckSuccess(env.DB, name, at(15));
    await recordCheckFailure(env.DB, name, at(30), "timeout");
    expect((await detectDrift(t.svc, at(30))).opened).toEqual([]);
    expect(t.queued).toEqual([]);
  });

  it("pages when a secret seen before disappears", async () => {
    const t = testEnv();
    const secret = `DRIFT_TEST_${unique("s").replace(/[^A-Za-z0-9]/g, "").toUpperCase()}_TOKEN`;
    (t.svc.channelSettings as unknown as Record<string, string>)[secret] = "present";
    expect((await detectDrift(t.svc, at(0))).opened).toEqual([]);
    delete (t.svc.channelSettings as unknown as Record<string, string>)[secret];
    expect((await detectDrift(t.svc, at(1))).opened).toEqual([`drift:secret:${secret}`]);
    await fanOut(t, at(1));
    expect((await alertsOf(`drift:secret:${secret}`))[0]!.subject).toBe(`Assurance: the secret ${secret} disappeared`);
  });
});

describe("the weekly human-path check", () => {
  // Tuesday 2026-12-01 10:00 UTC is a slot of the default schedule ("0 10 * * 2").
  const slot = new Date("2026-12-01T10:00:00Z");
  const min = (m: number) => new Date(slot.getTime() + m * 60_000);
  const settings = (): WatchSettings => readWatchSettings(env);

  it("sends a test page that says so, and passes when it is acknowledged in time", async () => {
    const t = testEnv();
    await runHumanCheck(t.svc, min(1), settings());
    await runHumanCheck(t.svc, min(2), settings()); // a second run the same slot: no second page
    const signals = await fanOut(t, min(2));
    expect(signals).toHaveLength(1);
    const [alert] = await alertsOf(`human-path:${slot.toISOString()}`);
    expect(alert!.subject).toMatch(/^TEST PAGE/);
    expect(t.mail[0]!.subject + t.mail[0]!.text).toContain("Nothing is wrong");
    await acknowledgeAlert(t.svc, alert!.id, { actor: "ops", via: "link" }, min(10));
    await runHumanCheck(t.svc, min(11), settings());
    await fanOut(t, min(11));
    expect((await findCheck(env.DB, "human-path"))?.lastVerifiedAt).toBe(min(11).toISOString());
    expect((await findCheck(env.DB, "human:email"))?.lastVerifiedAt).toBe(min(11).toISOString());
    expect((await findCheck(env.DB, "human:telegram"))?.lastVerifiedAt).toBe(min(11).toISOString());
    expect((await alertsOf(`human-path:${slot.toISOString()}`))[0]!.state).toBe("resolved");
  });

  it("escalates like a real alert when nobody acknowledges, and marks the channels unverified", async () => {
    const t = testEnv();
    const nextSlot = new Date("2026-12-08T10:00:00Z");
    const m = (x: number) => new Date(nextSlot.getTime() + x * 60_000);
    await runHumanCheck(t.svc, m(0), settings());
    await fanOut(t, m(0));
    const [alert] = await alertsOf(`human-path:${nextSlot.toISOString()}`);
    expect(t.mail.map((x) => x.to)).toEqual(["ops@ops.example.test"]);
    // The level times out: the lead is paged, as for any unacknowledged alert.
    await drain(t, m(6), { timers: true });
    expect(t.mail.map((x) => x.to)).toContain("lead@ops.example.test");
    await runHumanCheck(t.svc, m(29), settings());
    expect((await findCheck(env.DB, "human:email"))?.lastError ?? null).toBeNull();
    await runHumanCheck(t.svc, m(31), settings());
    expect((await findCheck(env.DB, "human-path"))?.lastError).toContain("nobody acknowledged the weekly test page within 30 minutes");
    expect((await findCheck(env.DB, "human:email"))?.lastError).toMatch(/^unverified/);
    expect((await findCheck(env.DB, "human:telegram"))?.lastErrorAt).toBe(m(31).toISOString());
    expect((await alertsOf(`human-path:${nextSlot.toISOString()}`))[0]!.state).toBe("triggered");
    expect(alert).toBeDefined();
    // The doctor fails on it, and the assurance API says which page went unanswered.
    expect((await assurance()).human_check.last).toMatchObject({ started_at: m(0).toISOString(), state: "unacknowledged" });
    expect(await watchVerdict()).toMatchObject({ verdict: "fail", details: expect.arrayContaining([`Nobody acknowledged the test page of ${m(0).toISOString()} by ${m(30).toISOString()}: the channels it went out on are unverified.`]) });
  });
});

describe("the weekly summary", () => {
  it("mails the admins the week's figures from the recorded checks, once", async () => {
    const t = testEnv();
    const admin = `${unique("admin")}@ops.example.test`;
    await env.DB.prepare("INSERT INTO staff_members (id, display_name, email, role, created_at, created_by) VALUES (?1, ?2, ?3, 'admin', ?4, 'test')")
      .bind(unique("stf"), unique("Admin"), admin, new Date().toISOString())
      .run();
    // The week of Monday 2026-11-23: three runs of intake:web, the second failing.
    await recordCheckSuccess(env.DB, "intake:web", new Date("2026-11-24T03:10:00Z"));
    await recordCheckFailure(env.DB, "intake:web", new Date("2026-11-24T03:25:00Z"), "form answered 503");
    await recordCheckSuccess(env.DB, "intake:web", new Date("2026-11-24T03:40:00Z"));
    // Before and after the week: not counted.
    await recordCheckFailure(env.DB, "intake:web", new Date("2026-11-22T23:59:00Z"), "old");
    await recordCheckFailure(env.DB, "intake:web", new Date("2026-11-30T00:01:00Z"), "new");
    expect(await sendWeeklySummary(t.svc, new Date("2026-11-30T06:59:00Z"))).toBeNull(); // too early on Monday
    const first = await sendWeeklySummary(t.svc, new Date("2026-11-30T07:00:00Z"));
    expect(first?.sent).toBeGreaterThanOrEqual(1);
    const mail = t.mail.find((m) => m.to === admin)!;
    expect(mail.text).toContain("- intake:web: verified 2 of 3 times; failed once on Tuesday at 04:25, cause: form answered 503");
    expect(await sendWeeklySummary(t.svc, new Date("2026-11-30T07:01:00Z"))).toBeNull();
    expect(t.mail.filter((m) => m.to === admin)).toHaveLength(1);
  });
});
