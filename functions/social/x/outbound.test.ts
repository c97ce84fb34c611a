// What we post on X, against the fake X API: staff updates as one thread per incident (the
// first post named and linked, every later post a reply to the one before, each within 280 by
// X's weighted count, which the fake measures with twitter-text as X does); failures retried
// with backoff, recorded in assurance, never touching the status update; a refused DM; and the
// hourly ceilings on public replies and on replies with a link.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { findCheck } from "../../assurance/queries";
import type { StatusPublishedJob } from "../../../contract/jobs";
import { runJob } from "../../queue/consumer";
import { createIncident as createIncidentWrite, postIncidentUpdate } from "../../status/writes";
import { socialCronTask } from "../cron";
import { sendDuePosts } from "../outbound";
import { pollNetwork } from "../poll";
import { xNetwork } from "./network";
import { postJson, staffHeaders } from "../../../test/helpers";
import { announce, forgetLeftovers, control, postsOf, scriptFake, settle, socialEnv, type SocialTestEnv } from "../../../test/social/helpers";

afterEach(forgetLeftovers);

interface FakePost {
  id: string;
  text: string;
  in_reply_to_tweet_id: string | null;
  weighted_length: number;
}
const xState = async (t: SocialTestEnv) => (await control<{ data: { posts: FakePost[]; dms_sent: Array<{ to: string; text: string }> } }>(t, "x", "state")).data;

async function createIncident(body: Record<string, unknown>): Promise<string> {
  const res = await postJson("/api/admin/incidents", body, staffHeaders());
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function postUpdate(id: string, body: Record<string, unknown>): Promise<void> {
  expect((await postJson(`/api/admin/incidents/${id}/updates`, body, staffHeaders())).status).toBe(201);
}

/** Sends until nothing more is due now. */
async function sendAll(t: SocialTestEnv, now: Date) {
  const runs = [];
  for (let i = 0; i < 20; i++) {
    const run = await sendDuePosts(t.svc, xNetwork, now);
    runs.push(run);
    if (!run.more) break;
  }
  return runs;
}

const LONG_BODY =
  "Since 09:40 the storage cluster behind web12 to web19 answers slowly and some sites show 502 errors. " +
  "We have moved the busiest volumes to the standby cluster and are rebuilding two disks. " +
  "Mail and DNS are not affected. 日本語のお客様へ：現在、ウェブサーバーの一部で障害が発生しています。復旧作業中です。 " +
  "Next update within 30 minutes 🔧🔧🔧 — thank you for your patience while we work through this.";

describe("staff updates on X", () => {
  it("go out as one thread: the first post names and links the incident, each later post replies to the one before, all within 280 weighted", async () => {
    const t = socialEnv();
    const id = await createIncident({ name: "Websites slow or failing on web12-web19", status: "investigating", impact: "major", body: LONG_BODY, components: {} });
    await postUpdate(id, { status: "identified", body: "A failed disk controller on the storage cluster. Replacement under way." });
    await postUpdate(id, { status: "resolved", body: "All sites answer normally again." });
    const now = new Date(Date.now() + 1000);
    await announce(t, id, now);
    const queued = await postsOf("x", "thread_key = ?2", id);
    expect(new Set(queued.map((r) => r.incident_update_id)).size).toBe(3);
    await announce(t, id, now); // the events again (the outbox re-sends): queued once
    expect(await postsOf("x", "thread_key = ?2", id)).toHaveLength(queued.length);
    await sendAll(t, now);

    const rows = await postsOf("x", "thread_key = ?2", id);
    expect(rows.length).toBeGreaterThanOrEqual(4);
    expect(rows.every((r) => r.state === "sent")).toBe(true);
    const posted = (await xState(t)).posts;
    const byId = new Map(posted.map((p) => [p.id, p]));
    const thread = rows.map((r) => byId.get(r.remote_id as string)!);
    expect(thread[0]!.in_reply_to_tweet_id).toBeNull();
    for (let i = 1; i < thread.length; i++) expect(thread[i]!.in_reply_to_tweet_id).toBe(thread[i - 1]!.id);
    for (const p of thread) expect(p.weighted_length).toBeLessThanOrEqual(280);
    expect(thread[0]!.text).toContain("Investigating: Websites slow or failing on web12-web19");
    expect(thread[0]!.text).toContain(`https://status.example-hosting.test/incidents/${id}`);
    expect(thread[0]!.text).toMatch(/\(1\/\d\)$/);
    // Only the first post carries a link: X bills a post with one at many times one without.
    expect(thread.slice(1).every((p) => !p.text.includes("https://"))).toBe(true);
    expect(thread.at(-1)!.text).toBe("Update, resolved:\nAll sites answer normally again.");
    const usage = await env.DB.prepare("SELECT metric, count FROM social_usage WHERE network = 'x' AND month = ?1").bind(now.toISOString().slice(0, 7)).all<{ metric: string; count: number }>();
    expect(usage.results.find((u) => u.metric === "post_create_url")!.count).toBeGreaterThanOrEqual(1);
  });

  it("retry a failing post with backoff, show it in assurance, and never touch the status update", async () => {
    const t = socialEnv();
    const id = await createIncident({ name: "Webmail login refused", status: "investigating", impact: "minor", body: "Logins to webmail fail; IMAP works.", components: {} });
    const now = new Date(Date.now() + 1000);
    await announce(t, id, now);
    await scriptFake(t, "x", [{ status: 503, body: { title: "Service Unavailable", detail: "Service Unavailable", type: "about:blank", status: 503 } }], `/${t.world}/2/tweets`);
    const [run] = await sendAll(t, now);
    expect(run).toMatchObject({ sent: 0, retrying: 1 });
    const [row] = await postsOf("x", "thread_key = ?2", id);
    expect(row).toMatchObject({ state: "queued", attempts: 1, next_attempt_at: new Date(now.getTime() + 60_000).toISOString() });
    expect((await findCheck(env.DB, "social:x:post"))!.lastError).toContain("503");
    // The status page has the update, whatever X does.
    const page = await env.DB.prepare("SELECT status FROM incidents WHERE id = ?1").bind(id).first<{ status: string }>();
    expect(page!.status).toBe("investigating");

    expect((await sendAll(t, new Date(now.getTime() + 30_000)))[0]).toMatchObject({ sent: 0 }); // not yet
    expect((await sendAll(t, new Date(now.getTime() + 61_000)))[0]).toMatchObject({ sent: 1 });
  });

  it("continue the thread from the last post that went out when one fails for good", async () => {
    const t = socialEnv();
    const id = await createIncident({ name: "Control panel slow", status: "investigating", impact: "minor", body: "Pages of the panel take 20 seconds.", components: {} });
    await announce(t, id, new Date(Date.now() + 1000));
    await sendAll(t, new Date(Date.now() + 1000));
    await postUpdate(id, { status: "identified", body: "A slow database query; a fix is being tested." });
    await postUpdate(id, { status: "resolved", body: "The panel is fast again." });
    const now = new Date(Date.now() + 2000);
    await announce(t, id, now);
    await scriptFake(t, "x", [{ status: 403, body: { title: "Forbidden", detail: "You are not allowed to create a Tweet with duplicate content.", type: "about:blank", status: 403 } }], `/${t.world}/2/tweets`);
    await sendAll(t, now);
    const rows = await postsOf("x", "thread_key = ?2", id);
    expect(rows.map((r) => r.state)).toEqual(["sent", "failed", "sent"]);
    const posted = new Map((await xState(t)).posts.map((p) => [p.id, p]));
    expect(posted.get(rows[2]!.remote_id as string)!.in_reply_to_tweet_id).toBe(rows[0]!.remote_id);
  });
});

describe("staff updates and the staff's choice", () => {
  it("reach X through the queue's status.published consumer; an update staff chose not to announce is never posted, the next one starts the thread", async () => {
    const t = socialEnv();
    const now = new Date();
    const id = await createIncidentWrite(t.svc, { name: "Quiet fix on web3", status: "investigating", impact: "minor", body: "Looking at a slow disk on web3.", components: {}, notify: { subscribers: true, social: false } }, "ada", now);
    await postIncidentUpdate(t.svc, id, { status: "resolved", body: "The disk on web3 is replaced.", notify: { subscribers: true, social: true } }, "ada", now);
    const events = t.queued.map((q) => q.body).filter((b): b is StatusPublishedJob => b.type === "status.published" && b.incidentId === id);
    expect(events.map((e) => e.notify.social)).toEqual([false, true]);
    for (const event of events) await runJob(event, t.svc); // as the queue consumer runs it
    const rows = await postsOf("x", "thread_key = ?2", id);
    expect(rows.map((r) => [r.incident_update_id, r.seq, r.has_link])).toEqual([[events[1]!.updateId, 0, 1]]);
    expect(rows[0]!.body).toContain("Resolved: Quiet fix on web3");
    expect(rows[0]!.body).not.toContain("slow disk");
    expect(t.queued.some((q) => q.body.type === "social.send" && q.body.network === "x")).toBe(true);
  });

  it("the cron posts nothing of its own: an update whose event said no stays unposted", async () => {
    const t = socialEnv();
    const now = new Date();
    await socialCronTask.run(t.svc, new Date(now.getTime() - 60_000)); // the network is running before the write
    const id = await createIncidentWrite(t.svc, { name: "Internal only", status: "investigating", impact: "none", body: "Not for social.", components: {}, notify: { subscribers: false, social: false } }, "ada", now);
    await socialCronTask.run(t.svc, new Date(now.getTime() + 60_000));
    expect(await postsOf("x", "thread_key = ?2", id)).toEqual([]);
  });
});

describe("answers on X", () => {
  it("carry on when a person refuses DMs: the public reply goes, the DM is recorded as failed", async () => {
    const t = socialEnv({ settings: { SOCIAL_REPLIES_PER_HOUR: "1000" } });
    const now = new Date();
    await pollNetwork(t.svc, xNetwork, now);
    const m = await control<{ data: { id: string; author_id: string } }>(t, "x", "mention", { text: "@ExampleHosting mail to gmail bounces" });
    await control(t, "x", "closed-dms", { user_id: m.data.author_id });
    await pollNetwork(t.svc, xNetwork, now);
    await settle(t, "x", now);
    const rows = await postsOf("x", "reply_to = ?2", m.data.id);
    expect(Object.fromEntries(rows.map((r) => [r.kind, r.state]))).toEqual({ reply: "sent", private: "failed" });
    expect(rows.find((r) => r.kind === "private")!.last_error).toContain("403");
  });

  it("stop at the hourly ceiling, answer each person publicly once an hour, and link only while the link budget lasts", async () => {
    const t = socialEnv({ settings: { SOCIAL_REPLIES_PER_HOUR: "3", X_LINKED_REPLIES_PER_HOUR: "2" } });
    const start = new Date();
    await pollNetwork(t.svc, xNetwork, start);
    // An hour no other test of this file posts in.
    const now = new Date(start.getTime() + 3 * 3_600_000);
    const repeat = await control<{ data: { author_id: string } }>(t, "x", "mention", { text: "@ExampleHosting site down" });
    await control(t, "x", "mention", { text: "@ExampleHosting still down, new thread", author: { id: repeat.data.author_id } });
    for (const who of ["ana", "ben", "cem", "dee"]) await control(t, "x", "mention", { text: `@ExampleHosting ${who}: is hosting down?` });
    await pollNetwork(t.svc, xNetwork, now);
    await settle(t, "x", now);
    const replies = await postsOf("x", "kind = 'reply' AND created_at = ?2", now.toISOString());
    expect(replies).toHaveLength(6);
    const sent = replies.filter((r) => r.state === "sent");
    expect(sent).toHaveLength(3);
    expect(sent.filter((r) => r.has_link === 1)).toHaveLength(2);
    expect(sent.find((r) => r.has_link === 0)!.body).toContain("the link in our profile");
    const skipped = replies.filter((r) => r.state === "skipped").map((r) => r.last_error);
    expect(skipped).toContain("we answered this person within the hour");
    expect(skipped).toContain("the hourly ceiling of 3 replies is reached");
  });
});
