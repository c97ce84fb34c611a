// The path canary end to end, inside workerd with the real D1 and the loopback provider fakes:
// a synthetic report through every intake path (the form, the JSON API, the email handler, the
// Twilio SMS and voice webhooks, X's webhook, the Mastodon and Bluesky inbound handling) to the
// fan-out's send step, where each channel gets its silent check; and what it must never do:
// page a person, leave an alert, a delivery or a digest, or show in the staff inbox.
import { beforeAll, describe, expect, it } from "vitest";
import type { Job } from "../../contract/jobs";
import { findCheck } from "../../functions/assurance/queries";
import { receiveCanaryRoundTrip } from "../../functions/email/canary-round-trip";
import { selfWorker } from "../../functions/canary/cron";
import { runPathCanary } from "../../functions/canary/run";
import { CANARY_PATHS } from "../../functions/canary/settings";
import { runJob } from "../../functions/queue/consumer";
import { env, fakeProviders, fetchWorker, staffHeaders } from "../helpers";
import { pushConfig, quietOnCall, testEnv, type TestEnv } from "../alerts/helpers";

const CANARY_MAIL = "canary@status.example-hosting.test";

/** A test env with every intake path set up (Twilio, X, Mastodon, Bluesky) and the canary mail. */
function canaryEnv(): TestEnv {
  const t = testEnv();
  const base = fakeProviders.url();
  Object.assign(t.env, {
    ASSURANCE_CANARY_MAIL: CANARY_MAIL,
    ASSURANCE_NTFY_TOPIC: "outofband-assurance-canary",
    X_CONSUMER_SECRET: "x-consumer-secret-test",
    X_USER_ID: "1234567890",
    MASTODON_URL: `${base}/mastodon`,
    MASTODON_ACCESS_TOKEN: "mastodon-test-token",
    BLUESKY_SERVICE: `${base}/bluesky`,
    BLUESKY_HANDLE: "status.example-hosting.test",
    BLUESKY_APP_PASSWORD: "bluesky-app-password",
  });
  return t;
}

/** Delivers every captured job through the real consumer dispatch (delayed copies too). */
async function drainAll(t: TestEnv): Promise<Job[]> {
  const seen: Job[] = [];
  for (let guard = 0; guard < 500 && t.queued.length > 0; guard++) {
    const { body } = t.queued.shift()!;
    seen.push(body);
    await runJob(body, t.svc);
    await t.settle();
  }
  return seen;
}

/** A person with one contact method of each kind, all unique to this test. */
function person(tag: string, o: { chatId?: string; userKey?: string } = {}) {
  const digits = String(Date.now() % 1_000_000).padStart(6, "0") + String(Math.floor(Math.random() * 1000)).padStart(3, "0");
  return {
    email: `${tag}-${digits}@oncall.example-hosting.test`,
    number: `+1555${digits.slice(-7)}`,
    chatId: o.chatId ?? `7${digits}`,
    userKey: o.userKey ?? `u${digits}`.padEnd(30, "a"),
    topic: `oncall-${tag}-${digits}`,
    slack: `https://hooks.slack.com/services/T000/B000/${tag}${digits}`,
  };
}

async function pushOnCall(p: ReturnType<typeof person>): Promise<void> {
  await pushConfig({
    version: 1,
    people: [
      {
        id: "canary-target",
        name: "Robin On-call",
        timezone: "Europe/Amsterdam",
        contactMethods: [
          { type: "email", address: p.email },
          { type: "sms", number: p.number },
          { type: "voice", number: p.number },
          { type: "telegram", chatId: p.chatId },
          { type: "pushover", userKey: p.userKey },
          { type: "ntfy", topic: p.topic },
          { type: "slack", webhookUrl: p.slack },
        ],
      },
    ],
    rotations: [],
    policies: [{ id: "canary-policy", name: "Everyone", levels: [{ timeoutMinutes: 5, targets: [{ person: "canary-target" }] }], repeat: 0 }],
    routing: { rules: [], defaultPolicy: "canary-policy" },
  });
}

async function counts(sinceIso: string) {
  const one = async (sql: string) => (await env.DB.prepare(sql).bind(sinceIso).first<{ n: number }>())!.n;
  return {
    alerts: await one("SELECT COUNT(*) AS n FROM alerts WHERE created_at >= ?1"),
    deliveries: await one("SELECT COUNT(*) AS n FROM deliveries WHERE created_at >= ?1"),
    digestItems: await one("SELECT COUNT(*) AS n FROM digest_items WHERE first_at >= ?1"),
  };
}

describe("the path canary", () => {
  beforeAll(async () => {
    await quietOnCall();
  });

  it("verifies every intake path and every channel's silent check in one run, and pages nobody", async () => {
    const t = canaryEnv();
    const p = person("all");
    await pushOnCall(p);
    const now = new Date();
    const run = await runPathCanary(t.svc, selfWorker(t.svc, now), now, { force: true });
    await t.settle();
    const jobs = await drainAll(t);

    expect(run.driven.map((d) => `${d.path}:${d.outcome}`)).toEqual(CANARY_PATHS.map((path) => `${path}:sent`));
    for (const path of CANARY_PATHS) {
      const check = await findCheck(env.DB, `path:${path}`);
      expect(check?.lastVerifiedAt, path).toBeTruthy();
      expect(Date.parse(check!.lastVerifiedAt!), path).toBeGreaterThanOrEqual(now.getTime() - 1000);
      expect((check!.detail as { check: string }).check).toContain("send step");
    }
    const silent = { email: "send_email", sms: "Twilio account active", voice: "Twilio account active", telegram: "getMe + getChat", pushover: "users/validate", ntfy: "canary topic" };
    for (const [type, words] of Object.entries(silent)) {
      const check = await findCheck(env.DB, `channel:${type}`);
      expect(check?.lastVerifiedAt, type).toBeTruthy();
      expect(Date.parse(check!.lastVerifiedAt!), type).toBeGreaterThanOrEqual(now.getTime() - 1000);
      expect((check!.detail as { check: string }).check, type).toContain(words);
    }
    const slack = await findCheck(env.DB, "channel:slack");
    expect(slack?.lastVerifiedAt ?? null).toBeNull();
    expect((slack!.detail as { check: string }).check).toBe("none: relies on the weekly human-path check");

    // Nobody paged: no alert, no delivery, no digest; no page job on the queue.
    expect(await counts(now.toISOString())).toEqual({ alerts: 0, deliveries: 0, digestItems: 0 });
    expect(jobs.filter((j) => ["notification.send", "digest.flush", "alert.escalate"].includes(j.type))).toEqual([]);
    // Nothing reached the person on any channel: only the canary's own mail, read-only calls
    // about their methods, and the canary topic.
    expect(t.mail.map((m) => m.to)).toEqual([CANARY_MAIL]);
    const telegram = await fakeProviders.requests("telegram");
    expect(telegram.filter((r) => r.path.includes("sendMessage") && r.body.includes(p.chatId))).toEqual([]);
    expect(telegram.some((r) => r.path.includes(`getChat?chat_id=${p.chatId}`))).toBe(true);
    const pushover = await fakeProviders.requests("pushover");
    expect(pushover.filter((r) => r.body.includes(p.userKey)).map((r) => r.path)).toEqual(["/1/users/validate.json"]);
    const twilio = await fakeProviders.requests("twilio");
    expect(twilio.filter((r) => r.body.includes(encodeURIComponent(p.number)))).toEqual([]);
    const ntfy = await fakeProviders.requests("ntfy");
    expect(ntfy.filter((r) => r.body.includes(p.topic))).toEqual([]);
    expect(ntfy.some((r) => r.body.includes("outofband-assurance-canary") && r.body.includes(run.runId!))).toBe(true);
    const slackCalls = await fakeProviders.requests("slack");
    expect(slackCalls.filter((r) => r.path.includes(p.slack.split("/").at(-1)!))).toEqual([]);

    // Stored, marked and closed, and out of the staff inbox.
    const { results } = await env.DB.prepare("SELECT reference, channel, state, synthetic FROM reports WHERE created_at >= ?1 ORDER BY channel").bind(now.toISOString()).all<{ reference: string; channel: string; state: string; synthetic: number }>();
    expect(results.map((r) => r.channel).sort()).toEqual([...CANARY_PATHS].sort());
    expect(results.every((r) => r.synthetic === 1 && r.state === "resolved")).toBe(true);
    const inbox = (await (await fetchWorker("/api/admin/reports", { headers: staffHeaders() })).json()) as { reports: Array<{ reference: string }> };
    const references = new Set(results.map((r) => r.reference));
    expect(inbox.reports.filter((r) => references.has(r.reference))).toEqual([]);
  });

  it("records a channel whose provider check fails with the provider's error, and still checks the others", async () => {
    const t = canaryEnv();
    const p = person("fail", { chatId: "555404", userKey: "invalid".padEnd(30, "x") });
    await pushOnCall(p);
    const now = new Date();
    await runPathCanary(t.svc, selfWorker(t.svc, now), now, { force: true });
    await t.settle();
    await drainAll(t);

    const telegram = await findCheck(env.DB, "channel:telegram");
    expect(telegram?.lastError).toContain("Robin On-call: telegram: HTTP 400");
    expect(telegram?.lastError).toContain("chat not found");
    expect(Date.parse(telegram!.lastErrorAt!)).toBeGreaterThan(Date.parse(telegram!.lastVerifiedAt ?? "1970-01-01"));
    const pushover = await findCheck(env.DB, "channel:pushover");
    expect(pushover?.lastError).toContain("user key is invalid");
    const ntfy = await findCheck(env.DB, "channel:ntfy");
    expect(Date.parse(ntfy!.lastVerifiedAt!)).toBeGreaterThanOrEqual(now.getTime() - 1000);

    const res = await fetchWorker("/api/admin/assurance", { headers: staffHeaders() });
    const body = (await res.json()) as { channels: Array<{ channel: string; verdict: string; last_error: string | null; check: string }>; paths: Array<{ path: string; verdict: string }> };
    const byChannel = Object.fromEntries(body.channels.map((c) => [c.channel, c]));
    expect(byChannel.telegram).toMatchObject({ verdict: "failing", check: "Telegram getMe + getChat (read-only)" });
    expect(byChannel.telegram!.last_error).toContain("chat not found");
    expect(byChannel.ntfy!.verdict).toBe("verified");
    expect(byChannel.slack).toMatchObject({ verdict: "human-path", check: "none: relies on the weekly human-path check" });
    expect(byChannel.discord!.verdict).toBe("unused");
    expect(body.paths.map((x) => x.verdict)).toEqual(body.paths.map(() => "verified"));

    // npm run doctor shows the same verdicts: a failing channel fails it, with the reason.
    const doctor = (await (await fetchWorker("/api/admin/doctor", { headers: staffHeaders() })).json()) as { checks: Array<{ id: string; verdict: string; details: string[] }> };
    const assurance = doctor.checks.find((c) => c.id === "assurance");
    expect(assurance?.verdict).toBe("fail");
    expect(assurance?.details.some((d) => d.startsWith("channel telegram: FAILING") && d.includes("chat not found"))).toBe(true);
    expect(assurance?.details).toContain("channel slack: no silent check; relies on the weekly human-path check.");
  });

  it("runs only when due: once per ASSURANCE_CANARY_MINUTES", async () => {
    const t = canaryEnv();
    const last = (await env.DB.prepare("SELECT MAX(created_at) AS at FROM canary_probes").first<{ at: string }>())!.at;
    const soon = new Date(Date.parse(last) + 5 * 60_000);
    expect((await runPathCanary(t.svc, selfWorker(t.svc, soon), soon)).runId).toBeNull();
    const due = new Date(Date.parse(last) + 15 * 60_000);
    const run = await runPathCanary(t.svc, selfWorker(t.svc, due), due);
    expect(run.runId).not.toBeNull();
  });
});

describe("the mail round trip", () => {
  const message = (to: string, run: string) =>
    ({ from: "status@example-hosting.test", to, headers: new Headers({ "x-outofband-canary": run }) }) as unknown as ForwardableEmailMessage;

  it("is verified when the canary mail of a real run comes back, and not by anyone else's mail", async () => {
    const run = crypto.randomUUID();
    const now = new Date();
    await env.DB.prepare("INSERT INTO canary_probes (id, run_id, path, created_at, expires_at) VALUES (?1, ?2, 'channels', ?3, ?3)").bind(crypto.randomUUID().replaceAll("-", ""), run, now.toISOString()).run();
    const forged = new Date(now.getTime() + 1000);
    expect(await receiveCanaryRoundTrip({ db: env.DB }, CANARY_MAIL, message(CANARY_MAIL, crypto.randomUUID()), forged)).toBe(true);
    expect((await findCheck(env.DB, "mail:round-trip"))?.lastVerifiedAt ?? null).toBeNull();
    expect(await receiveCanaryRoundTrip({ db: env.DB }, CANARY_MAIL, message("urgent@status.example-hosting.test", run), forged)).toBe(false);
    const back = new Date(now.getTime() + 4000);
    expect(await receiveCanaryRoundTrip({ db: env.DB }, CANARY_MAIL, message(CANARY_MAIL, run), back)).toBe(true);
    const check = await findCheck(env.DB, "mail:round-trip");
    expect(check?.lastVerifiedAt).toBe(back.toISOString());
    expect(check?.detail).toMatchObject({ run, latencyMs: 4000 });
  });
});

describe("synthetic marking, as an attacker would try it", () => {
  it("a report carrying a made-up canary marker is a real report: stored, shown and routed", async () => {
    const marker = "0123456789abcdef0123456789abcdef";
    const res = await fetchWorker("/api/reports", {
      method: "POST",
      headers: { "content-type": "application/json", "cf-connecting-ip": "198.51.100.77" },
      body: JSON.stringify({ name: "Mallory", email: "mallory@example.net", subject: `Silence this (canary:${marker})`, message: `canary:${marker}`, urgency: "normal" }),
    });
    expect(res.status).toBe(201);
    const { reference } = (await res.json()) as { reference: string };
    const row = await env.DB.prepare("SELECT synthetic FROM reports WHERE reference = ?1").bind(reference).first<{ synthetic: number }>();
    expect(row?.synthetic).toBe(0);
    const inbox = (await (await fetchWorker("/api/admin/reports", { headers: staffHeaders() })).json()) as { reports: Array<{ reference: string }> };
    expect(inbox.reports.some((r) => r.reference === reference)).toBe(true);
  });

  it("a real probe's marker counts once: replaying it files a real report", async () => {
    const id = "fedcba9876543210fedcba9876543210";
    const now = new Date();
    await env.DB.prepare("INSERT INTO canary_probes (id, run_id, path, created_at, expires_at) VALUES (?1, ?2, 'api', ?3, ?4)")
      .bind(id, crypto.randomUUID(), now.toISOString(), new Date(now.getTime() + 600_000).toISOString())
      .run();
    const send = async (ip: string) => {
      const res = await fetchWorker("/api/reports", {
        method: "POST",
        headers: { "content-type": "application/json", "cf-connecting-ip": ip },
        body: JSON.stringify({ name: "Canary", email: "canary@example.net", subject: `Assurance canary (canary:${id})`, message: `again from ${ip}`, urgency: "normal" }),
      });
      return ((await res.json()) as { reference: string }).reference;
    };
    const first = await send("198.51.100.78");
    const second = await send("198.51.100.79");
    const synthetic = async (ref: string) => (await env.DB.prepare("SELECT synthetic FROM reports WHERE reference = ?1").bind(ref).first<{ synthetic: number }>())!.synthetic;
    expect(await synthetic(first)).toBe(1);
    expect(await synthetic(second)).toBe(0);
  });

  it("GET /api/admin/assurance needs a staff token", async () => {
    expect((await fetchWorker("/api/admin/assurance")).status).toBe(401);
    expect((await fetchWorker("/api/admin/assurance", { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
  });
});
