// 500 calls in a minute from one number (a customer redialling in panic, or someone abusing
// the hotline): every call is answered and stored, every voicemail is a report, and on-call is
// paged no more than issue 8's rules allow: one page per method of the people of the first
// level for the storm's alert, the rest grouped into it or told in a digest.
import { beforeAll, expect, it } from "vitest";
import { countCallsFrom } from "../../functions/phone/queries";
import { pushConfig, quietOnCall } from "../alerts/helpers";
import { callHotline, env, mobile, phoneEnv, recordingCallback } from "./helpers";

const CALLS = 500;
const PARALLEL = 10;

beforeAll(async () => {
  await quietOnCall();
  await pushConfig({
    version: 1,
    people: [
      { id: "ana", name: "Ana", timezone: "UTC", contactMethods: [{ type: "email", address: "ana@ops.example.test" }, { type: "sms", number: "+31611111111" }] },
      { id: "ben", name: "Ben", timezone: "UTC", contactMethods: [{ type: "email", address: "ben@ops.example.test" }] },
    ],
    policies: [
      {
        id: "storm",
        levels: [
          { timeoutMinutes: 5, targets: [{ person: "ana" }] },
          { timeoutMinutes: 5, targets: [{ person: "ben" }] },
        ],
      },
    ],
    routing: { rules: [], defaultPolicy: "storm" },
  });
});

it(`${CALLS} calls in a minute from one number: all stored and filed, on-call paged once per method`, { timeout: 240_000 }, async () => {
  // The default hourly page ceiling of the deployment (6), not the tests' lifted one.
  const t = phoneEnv({ PAGES_PER_PERSON_PER_HOUR: "6" });
  const from = mobile();
  const started = new Date(Date.now() - 1000).toISOString();
  const calls: Array<Awaited<ReturnType<typeof callHotline>>> = [];
  for (let i = 0; i < CALLS; i += PARALLEL) {
    calls.push(...(await Promise.all(Array.from({ length: Math.min(PARALLEL, CALLS - i) }, () => callHotline(t, from)))));
  }
  for (let i = 0; i < calls.length; i += PARALLEL) {
    const statuses = await Promise.all(calls.slice(i, i + PARALLEL).map(async (call) => (await recordingCallback(t, call, { seconds: 20 }).send()).status));
    expect(statuses.every((s) => s === 204)).toBe(true);
  }

  // Every call stored, every voicemail a report with its recording.
  expect(await countCallsFrom(env.DB, from, started)).toBe(CALLS);
  const reports = await env.DB.prepare("SELECT id, alert_id, duplicate_of FROM reports WHERE reporter_phone = ?1 AND channel = 'phone'").bind(from).all<{ id: string; alert_id: string | null }>();
  expect(reports.results).toHaveLength(CALLS);
  const files = await env.DB.prepare("SELECT COUNT(*) AS n FROM files f JOIN reports r ON r.id = f.report_id WHERE r.reporter_phone = ?1").bind(from).first<{ n: number }>();
  expect(files!.n).toBe(CALLS);

  // Grouped: one alert for the storm (every report linked to it).
  const alerts = new Set(reports.results.map((r) => r.alert_id));
  expect(alerts.has(null)).toBe(false);
  expect(alerts.size).toBe(1);

  // Paged once per method of the first level (Ana: email and SMS), nobody else yet.
  const [alertId] = [...alerts] as string[];
  const pages = await env.DB.prepare("SELECT person_id, channel, purpose FROM deliveries WHERE alert_id = ?1 AND purpose = 'page'").bind(alertId).all<{ person_id: string; channel: string }>();
  expect(pages.results.map((p) => `${p.person_id}:${p.channel}`).sort()).toEqual(["ana:email", "ana:sms"]);
  // Ana's mail: the one page, and at most one digest for the window (issue 8), nothing else.
  const subjects = t.mail.filter((m) => m.to === "ana@ops.example.test").map((m) => m.subject);
  expect(subjects.filter((s) => / ALERT /.test(s)), subjects.join(" | ")).toHaveLength(1);
  expect(subjects.filter((s) => /DIGEST/.test(s)).length, subjects.join(" | ")).toBeLessThanOrEqual(1);
  expect(subjects.filter((s) => !/ ALERT |DIGEST/.test(s)), subjects.join(" | ")).toEqual([]);
  expect(t.mail.filter((m) => m.to === "ben@ops.example.test")).toEqual([]);
});
