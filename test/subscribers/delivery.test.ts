// Delivery under the queue's at-least-once promise and under failing receivers: a redelivered
// job sends nothing twice, failed sends are retried (only they), receivers that are gone and
// addresses that bounce end their subscription.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Job } from "../../contract/jobs";
import { runJob } from "../../functions/queue/consumer";
import { HARD_BOUNCES_TO_UNSUBSCRIBE, PERMANENT_FAILURES_TO_UNSUBSCRIBE, SOFT_BOUNCES_TO_UNSUBSCRIBE } from "../../functions/subscribers/bounces.pure";
import { recordSubscriberBounce } from "../../functions/subscribers/bounces";
import { deliverToSubscribers, SubscriberRetry } from "../../functions/subscribers/deliver";
import { deliveriesOfUpdate } from "../../functions/subscribers/queries";
import { fakeProviders, unique } from "../helpers";
import { confirmedEmailSubscribers, fakeUrl, hookRequests, subscriberRow, subscriberTest, uniqueEmail } from "./helpers";

type Deliver = Extract<Job, { type: "subscribers.deliver" }>;

/** Opens an incident and returns the delivery jobs its event fanned out to (not yet run). */
async function incidentJobs(t: ReturnType<typeof subscriberTest>, name = `Delivery ${unique()}`) {
  const res = await t.staff("POST", "/api/admin/incidents", { name, body: "Looking into it." });
  expect(res.status).toBe(201);
  const { id } = (await res.json()) as { id: string };
  const event = await env.DB.prepare("SELECT id, update_id FROM status_events WHERE incident_id = ?1").bind(id).first<{ id: string; update_id: string }>();
  const jobs = t.queued.filter((q) => q.body.type === "subscribers.deliver" && q.body.eventId === event!.id).map((q) => q.body as Deliver);
  t.queued.length = 0;
  return { incidentId: id, eventId: event!.id, updateId: event!.update_id, jobs };
}

/** The same job with only `ids` (other tests' subscribers share the file's database). */
function only(jobs: Deliver[], ids: string[]): Deliver {
  const channel = jobs[0]!.channel;
  return { type: "subscribers.deliver", eventId: jobs[0]!.eventId, channel, subscriberIds: ids };
}

describe("dedupe", () => {
  it("a job delivered twice (the queue's at-least-once) mails each subscriber once", async () => {
    const t = subscriberTest();
    const emails = [uniqueEmail(), uniqueEmail()];
    const ids = await confirmedEmailSubscribers(emails.map((email) => ({ email })));
    const { jobs, updateId } = await incidentJobs(t);
    const job = only(jobs, ids);
    await runJob(job, t.svc);
    await runJob(job, t.svc);
    await deliverToSubscribers(t.svc, job, new Date());
    expect(t.mail.filter((m) => emails.includes(m.to)).map((m) => m.to).sort()).toEqual([...emails].sort());
    const rows = (await deliveriesOfUpdate(env.DB, updateId)).filter((d) => ids.includes(d.subscriberId));
    expect(rows.map((r) => [r.state, r.attempts])).toEqual([
      ["sent", 1],
      ["sent", 1],
    ]);
  });

  it("the event's queued safety copy fans out nothing twice", async () => {
    const t = subscriberTest();
    const email = uniqueEmail();
    await confirmedEmailSubscribers([{ email }]);
    await t.staff("POST", "/api/admin/incidents", { name: `Copy ${unique()}`, body: "Looking." });
    const copies = t.queued.filter((q) => q.body.type === "status.published");
    expect(copies).toHaveLength(1);
    expect(copies[0]!.delaySeconds).toBe(30);
    await t.drain();
    expect(t.mail.filter((m) => m.to === email)).toHaveLength(1);
  });
});

describe("retries", () => {
  it("a failed mail makes the job retry; the retry sends only what failed", async () => {
    const flaky = uniqueEmail("flaky");
    const fine = uniqueEmail("fine");
    const failFor = new Set([flaky]);
    const t = subscriberTest({ failFor });
    const ids = await confirmedEmailSubscribers([{ email: flaky }, { email: fine }]);
    const { jobs, updateId } = await incidentJobs(t);
    const job = only(jobs, ids);
    await expect(runJob(job, t.svc)).rejects.toBeInstanceOf(SubscriberRetry);
    expect(t.mail.map((m) => m.to)).toEqual([fine]);
    expect((await deliveriesOfUpdate(env.DB, updateId)).find((d) => d.subscriberId === ids[0])).toMatchObject({ state: "failed", lastError: "mail service unavailable" });

    failFor.clear();
    await runJob(job, t.svc);
    expect(t.mail.map((m) => m.to)).toEqual([fine, flaky]);
    const flakyRow = (await deliveriesOfUpdate(env.DB, updateId)).find((d) => d.subscriberId === ids[0]);
    expect(flakyRow).toMatchObject({ state: "sent", attempts: 2 });
  });

  it("a webhook answering 503 is retried, with its Retry-After as the least wait", async () => {
    const t = subscriberTest();
    const path = unique("flaky");
    expect((await t.subscribe({ channel: "webhook", url: `${fakeUrl()}/subscriber-hook/${path}` })).status).toBe(200);
    const id = (await env.DB.prepare("SELECT id FROM subscribers WHERE target LIKE ?1").bind(`%${path}`).first<{ id: string }>())!.id;
    const { jobs } = await incidentJobs(t);
    const job: Deliver = { ...only(jobs.filter((j) => j.channel === "webhook"), [id]) };
    // Scripted for this test's path only: other files use the same fake at the same time.
    await fetch(`${fakeProviders.url()}/__script`, {
      method: "POST",
      body: JSON.stringify({ provider: "subscriber-hook", match: path, responses: [{ status: 503, body: "busy", headers: { "retry-after": "120" } }] }),
    });
    const error = await runJob(job, t.svc).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SubscriberRetry);
    expect((error as SubscriberRetry).minDelaySeconds).toBe(120);
    await runJob(job, t.svc);
    expect(await hookRequests("subscriber-hook", path)).toHaveLength(3); // ping, 503, delivered
  });

  it("a stale claim (its invocation died mid-send) is claimed again; a fresh one is not", async () => {
    const t = subscriberTest();
    const email = uniqueEmail();
    const ids = await confirmedEmailSubscribers([{ email }]);
    const { jobs, updateId, eventId } = await incidentJobs(t);
    const job = only(jobs, ids);
    // Another run claimed it just now: this one sends nothing.
    await env.DB.prepare("INSERT INTO subscriber_deliveries (subscriber_id, update_id, event_id, state, claimed_at) VALUES (?1, ?2, ?3, 'sending', ?4)")
      .bind(ids[0], updateId, eventId, new Date().toISOString())
      .run();
    expect((await deliverToSubscribers(t.svc, job, new Date())).sent).toBe(0);
    // Ten minutes later the claim is stale: the send happens.
    expect((await deliverToSubscribers(t.svc, job, new Date(Date.now() + 10 * 60_000))).sent).toBe(1);
    expect(t.mail.map((m) => m.to)).toEqual([email]);
  });
});

describe("ending subscriptions that do not work", () => {
  it(`a webhook answering 410 is not retried, and is unsubscribed after ${PERMANENT_FAILURES_TO_UNSUBSCRIBE} in a row`, async () => {
    const t = subscriberTest();
    // Subscribed while it worked; taken down since.
    const path = unique("gone");
    expect((await t.subscribe({ channel: "webhook", url: `${fakeUrl()}/subscriber-hook/${path}` })).status).toBe(200);
    const id = (await env.DB.prepare("SELECT id FROM subscribers WHERE target LIKE ?1").bind(`%${path}`).first<{ id: string }>())!.id;
    await env.DB.prepare("UPDATE subscribers SET target = ?2 WHERE id = ?1").bind(id, `${fakeUrl()}/subscriber-hook/gone/${path}`).run();
    for (let i = 1; i <= PERMANENT_FAILURES_TO_UNSUBSCRIBE; i++) {
      const { jobs } = await incidentJobs(t);
      const summary = await deliverToSubscribers(t.svc, only(jobs.filter((j) => j.channel === "webhook"), [id]), new Date());
      expect(summary).toMatchObject({ dropped: 1, failed: 0 });
      expect((await subscriberRow(id))!.state).toBe(i < PERMANENT_FAILURES_TO_UNSUBSCRIBE ? "active" : "unsubscribed");
    }
    expect(await subscriberRow(id)).toMatchObject({ unsubscribe_reason: "failing" });
  });

  it(`${HARD_BOUNCES_TO_UNSUBSCRIBE} hard bounces unsubscribe an address; one does not; soft ones take ${SOFT_BOUNCES_TO_UNSUBSCRIBE}`, async () => {
    const t = subscriberTest();
    const hard = uniqueEmail("hard");
    const soft = uniqueEmail("soft");
    const [hardId, softId] = (await confirmedEmailSubscribers([{ email: hard }, { email: soft }])) as [string, string];
    expect(await recordSubscriberBounce(t.svc, hard.toUpperCase(), "hard", new Date())).toEqual({ known: true, unsubscribed: false });
    expect(await recordSubscriberBounce(t.svc, hard, "hard", new Date())).toEqual({ known: true, unsubscribed: true });
    expect(await subscriberRow(hardId)).toMatchObject({ state: "unsubscribed", unsubscribe_reason: "bounced", hard_bounces: 2 });
    for (let i = 1; i < SOFT_BOUNCES_TO_UNSUBSCRIBE; i++) await recordSubscriberBounce(t.svc, soft, "soft", new Date());
    expect((await subscriberRow(softId))!.state).toBe("active");
    expect((await recordSubscriberBounce(t.svc, soft, "soft", new Date())).unsubscribed).toBe(true);
    // A bounce for an address we do not mail changes nothing.
    expect(await recordSubscriberBounce(t.svc, uniqueEmail("stranger"), "hard", new Date())).toEqual({ known: false, unsubscribed: false });
    // And a bounced-out address is no longer mailed.
    const { jobs } = await incidentJobs(t);
    await deliverToSubscribers(t.svc, only(jobs, [hardId]), new Date());
    expect(t.mail.filter((m) => m.to === hard)).toEqual([]);
  });
});

describe("fan-out in chunks", () => {
  it("splits a large audience into jobs of at most 25 mails or 2 posts", async () => {
    const t = subscriberTest();
    const emails = Array.from({ length: 60 }, () => uniqueEmail("bulk"));
    const ids = await confirmedEmailSubscribers(emails.map((email) => ({ email })));
    const { jobs } = await incidentJobs(t);
    const mine = jobs.filter((j) => j.subscriberIds.some((id) => ids.includes(id)));
    for (const j of jobs) expect(j.subscriberIds.length).toBeLessThanOrEqual(j.channel === "email" ? 25 : 2);
    expect(mine.flatMap((j) => j.subscriberIds).filter((id) => ids.includes(id)).sort()).toEqual([...ids].sort());
    // Each subscriber in exactly one job.
    const all = jobs.flatMap((j) => j.subscriberIds);
    expect(new Set(all).size).toBe(all.length);
  });
});
