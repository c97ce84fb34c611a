// X by polling, against the loopback fake X API (each test its own world and account): mentions
// and DMs become reports with the author's handle, are answered (a public reply without the
// private link, a DM with it), and page on-call; the since_id cursor moves only with what was
// stored, across pages; a 429 or a 5xx never loses or skips it; rate-limit headers are obeyed.
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { findCheck } from "../../assurance/queries";
import { handlePendingInbound } from "../inbound";
import { pollNetwork } from "../poll";
import { readStream } from "../queries";
import { xNetwork } from "./network";
import { forgetLeftovers, control, fakeRequests, inboundRow, postsOf, pushSocialOncall, reportByReference, scriptFake, settle, socialEnv, type SocialTestEnv } from "../../../test/social/helpers";

afterEach(forgetLeftovers);

interface FakeState {
  self: { id: string };
  posts: Array<{ id: string; text: string; in_reply_to_tweet_id: string | null; weighted_length: number }>;
  dms_sent: Array<{ to: string; text: string }>;
}

beforeAll(pushSocialOncall);

const xState = async (t: SocialTestEnv) => (await control<{ data: FakeState }>(t, "x", "state")).data;
const mentionsOf = (t: SocialTestEnv) => readStream(env.DB, "x", `mentions:${t.xSelf}`);
const referenceIn = (outcomes: string[]) => outcomes.map((o) => /^report (R-\w+)/.exec(o)?.[1]).filter(Boolean) as string[];

describe("X mentions", () => {
  it("become a report with the author's handle, a page, a public reply without the private link and a DM with it", async () => {
    const t = socialEnv({ settings: { SOCIAL_REPLIES_PER_HOUR: "1000" } });
    const now = new Date();
    const { data: mention } = await control<{ data: { id: string; author_id: string } }>(t, "x", "mention", {
      text: "@ExampleHosting all my sites are down",
      author: { username: "ada_builds", name: "Ada Lovelace" },
    });
    const [mentions] = await pollNetwork(t.svc, xNetwork, now);
    expect(mentions).toMatchObject({ stream: "mentions", stored: 1, error: null });

    const [ref] = referenceIn(await settle(t, "x", now));
    const report = (await reportByReference(ref!))!;
    expect(report).toMatchObject({ channel: "x", reporter_x_handle: "ada_builds", reporter_name: "Ada Lovelace", subject: "all my sites are down", channel_message_id: mention.id });
    expect((await inboundRow("x", mention.id))!.outcome).toBe(`report ${ref}`);
    // On-call was paged (by mail in this file's on-call document).
    expect(t.mail.some((m) => m.to === "sol@ops.example.test" && m.subject.includes("ALERT"))).toBe(true);

    const state = await xState(t);
    const reply = state.posts.find((p) => p.in_reply_to_tweet_id === mention.id)!;
    expect(reply.text).toContain(ref);
    expect(reply.text).toContain("https://status.example-hosting.test/");
    expect(reply.text).not.toContain("/r/");
    expect(reply.weighted_length).toBeLessThanOrEqual(280);
    const dm = state.dms_sent.find((d) => d.to === mention.author_id)!;
    expect(dm.text).toMatch(new RegExp(`https://status\\.example-hosting\\.test/r/${ref}\\?k=`));
    const sent = await postsOf("x", "report_id = ?2", report.id as string);
    expect(sent.map((p) => `${p.kind}:${p.state}`).sort()).toEqual(["private:sent", "reply:sent"]);
  });

  it("move the since_id cursor page by page to the newest stored mention, and read only newer ones next", async () => {
    const t = socialEnv({ settings: { SOCIAL_REPLIES_PER_HOUR: "0" } });
    const now = new Date();
    await control(t, "x", "mention", { text: "@ExampleHosting first one" });
    await pollNetwork(t.svc, xNetwork, now); // the first poll sets the cursor
    const first = JSON.parse((await mentionsOf(t))!.cursor!) as { sinceId: string };

    const { data } = await control<{ data: { count: number; newest_id: string } }>(t, "x", "mentions", { count: 250, text: "cannot log in" });
    const [run] = await pollNetwork(t.svc, xNetwork, now);
    expect(run).toMatchObject({ pages: 3, stored: 250 });
    expect(JSON.parse((await mentionsOf(t))!.cursor!)).toMatchObject({ sinceId: data.newest_id });
    const reads = (await fakeRequests(t, "x")).filter((r) => r.path.includes("/2/users/"));
    expect(reads.slice(1).every((r) => r.path.includes(`since_id=${first.sinceId}`))).toBe(true);
    expect(reads.filter((r) => r.path.includes("pagination_token"))).toHaveLength(2);

    const [again] = await pollNetwork(t.svc, xNetwork, now);
    expect(again).toMatchObject({ pages: 1, stored: 0 });
    expect((await fakeRequests(t, "x")).filter((r) => r.path.includes("/2/users/")).at(-1)!.path).toContain(`since_id=${data.newest_id}`);
  });

  it("keep their place through a 429 mid-walk: nothing is skipped, the walk resumes after X's reset", async () => {
    const t = socialEnv({ settings: { SOCIAL_REPLIES_PER_HOUR: "0" } });
    const now = new Date();
    await pollNetwork(t.svc, xNetwork, now);
    await control(t, "x", "mention", { text: "@ExampleHosting warm-up" });
    await pollNetwork(t.svc, xNetwork, now);
    const before = (await mentionsOf(t))!.cursor;

    await control(t, "x", "mentions", { count: 150, text: "mail bounces" });
    const reset = Math.ceil(now.getTime() / 1000) + 900;
    await scriptFake(t, "x", [{ status: 429, body: { title: "Too Many Requests", detail: "Too Many Requests", type: "about:blank", status: 429 }, headers: { "x-rate-limit-limit": "300", "x-rate-limit-remaining": "0", "x-rate-limit-reset": String(reset) } }], "pagination_token");
    const [cut] = await pollNetwork(t.svc, xNetwork, now);
    expect(cut).toMatchObject({ pages: 1, stored: 100 });
    expect(cut!.error).toContain("429");
    const held = (await mentionsOf(t))!;
    expect(held.cursor).toBe(before); // not moved past the 50 not yet read
    expect(JSON.parse(held.walk!)).toMatchObject({ token: expect.any(String) });
    expect(held.nextPollAt).toBe(new Date(reset * 1000).toISOString());

    const [waiting] = await pollNetwork(t.svc, xNetwork, new Date(now.getTime() + 60_000));
    expect(waiting!.skipped).toMatch(/^waiting until/);

    const [resumed] = await pollNetwork(t.svc, xNetwork, new Date(reset * 1000 + 1000));
    expect(resumed).toMatchObject({ stored: 50, error: null });
    const stored = await env.DB.prepare("SELECT COUNT(*) AS n FROM social_inbound WHERE network = 'x' AND message LIKE '%mail bounces%'").first<{ n: number }>();
    expect(stored!.n).toBe(150);
    expect((await mentionsOf(t))!.walk).toBeNull();
    expect((await mentionsOf(t))!.cursor).not.toBe(before);
  });

  it("back off after a 5xx without moving the cursor, and record it in assurance", async () => {
    const t = socialEnv({ settings: { SOCIAL_REPLIES_PER_HOUR: "0" } });
    const now = new Date();
    await pollNetwork(t.svc, xNetwork, now);
    await control(t, "x", "mention", { text: "@ExampleHosting is DNS down?" });
    await scriptFake(t, "x", [{ status: 503, body: { title: "Service Unavailable", detail: "Service Unavailable", type: "about:blank", status: 503 } }], `/${t.world}/2/users`);
    const [failed] = await pollNetwork(t.svc, xNetwork, now);
    expect(failed!.error).toContain("HTTP 503");
    const row = (await mentionsOf(t))!;
    expect(row).toMatchObject({ failures: 1, nextPollAt: new Date(now.getTime() + 60_000).toISOString() });
    expect((await findCheck(env.DB, "social:x:poll"))!.lastError).toContain("503");

    const [later] = await pollNetwork(t.svc, xNetwork, new Date(now.getTime() + 61_000));
    expect(later).toMatchObject({ stored: 1, error: null });
    expect((await mentionsOf(t))!.failures).toBe(0);
  });

  it("wait for X's reset when a window's last request is used", async () => {
    const t = socialEnv();
    const now = new Date();
    await control(t, "x", "rate", { endpoint: "mentions", remaining: 1, resetInSeconds: 600 });
    const [run] = await pollNetwork(t.svc, xNetwork, now);
    expect(run!.error).toBeNull();
    const next = (await mentionsOf(t))!.nextPollAt!;
    expect(Date.parse(next)).toBeGreaterThan(now.getTime() + 500_000);
    const [skipped] = await pollNetwork(t.svc, xNetwork, new Date(now.getTime() + 120_000));
    expect(skipped!.skipped).toBe(`waiting until ${next}`);
  });

  it("become reports only with a configured keyword; reposts and our own posts never do", async () => {
    const t = socialEnv({ settings: { SOCIAL_REPORT_KEYWORDS: "down, outage", SOCIAL_REPLIES_PER_HOUR: "0" } });
    const now = new Date();
    const love = await control<{ data: { id: string } }>(t, "x", "mention", { text: "@ExampleHosting love the new control panel" });
    const down = await control<{ data: { id: string } }>(t, "x", "mention", { text: "@ExampleHosting is webmail DOWN for anyone else?" });
    const repost = await control<{ data: { id: string } }>(t, "x", "mention", { text: "RT @someone: @ExampleHosting outage again", repost: true });
    const own = await control<{ data: { id: string } }>(t, "x", "mention", { text: "@ExampleHosting outage notice", author: { id: t.xSelf } });
    await pollNetwork(t.svc, xNetwork, now);
    await settle(t, "x", now);
    expect((await inboundRow("x", love.data.id))!.outcome).toBe("ignored: no keyword");
    expect((await inboundRow("x", down.data.id))!.outcome).toMatch(/^report R-/);
    expect((await inboundRow("x", repost.data.id))!.outcome).toBe("ignored: a repost");
    expect((await inboundRow("x", own.data.id))!.outcome).toBe("ignored: our own post");
  });

  it("in the same conversation as the author's open report add to it instead of filing another", async () => {
    const t = socialEnv({ settings: { SOCIAL_REPLIES_PER_HOUR: "1000" } });
    const now = new Date();
    const first = await control<{ data: { id: string; author_id: string } }>(t, "x", "mention", { text: "@ExampleHosting FTP refuses my password", author: { username: "cyd_ftp" } });
    await pollNetwork(t.svc, xNetwork, now);
    const [ref] = referenceIn(await settle(t, "x", now));
    const reply = (await xState(t)).posts.find((p) => p.in_reply_to_tweet_id === first.data.id)!;

    // Cyd answers our reply; someone else chimes in on the same thread.
    const again = await control<{ data: { id: string } }>(t, "x", "mention", {
      text: "@ExampleHosting still failing & tried two clients: <530 login denied>",
      author: { id: first.data.author_id },
      conversation_id: first.data.id,
      in_reply_to: reply.id,
    });
    const other = await control<{ data: { id: string } }>(t, "x", "mention", { text: "@ExampleHosting same here", conversation_id: first.data.id, in_reply_to: first.data.id });
    await pollNetwork(t.svc, xNetwork, now);
    await settle(t, "x", now);
    expect((await inboundRow("x", again.data.id))!.outcome).toBe(`followup ${ref}`);
    expect((await inboundRow("x", other.data.id))!.outcome).toMatch(/^report R-/);
    const report = (await reportByReference(ref!))!;
    const { results } = await env.DB.prepare("SELECT body FROM report_messages WHERE report_id = ?1 AND author = 'reporter' ORDER BY id").bind(report.id).all<{ body: string }>();
    expect(results.map((m) => m.body.split("\n")[0])).toEqual(["@ExampleHosting FTP refuses my password", "@ExampleHosting still failing & tried two clients: <530 login denied>"]);
    // A follow-up is not answered again.
    expect(await postsOf("x", "reply_to = ?2", again.data.id)).toEqual([]);
  });
});

describe("when D1 cannot store a report", () => {
  it("the message stays stored and pending, on-call is paged by mail, and the next run files it", async () => {
    const t = socialEnv({ settings: { FALLBACK_PAGE_TO: "fallback@ops.example.test" } });
    const now = new Date();
    const dm = await control<{ data: { id: string } }>(t, "x", "dm", { text: "Everything is down and your mail too" });
    await pollNetwork(t.svc, xNetwork, now);
    // Intake's one write batch (report, message, note, outbox, assurance, read-back) fails.
    const failing = {
      prepare: (sql: string) => env.DB.prepare(sql),
      batch: (statements: D1PreparedStatement[]) => (statements.length === 6 ? Promise.reject(new Error("D1_ERROR: database is overloaded")) : env.DB.batch(statements)),
    } as unknown as D1Database;
    const broken = { ...t.svc, db: failing, config: { ...t.svc.config, fallbackPageTo: ["fallback@ops.example.test"] } };
    const run = await handlePendingInbound(broken, "x", now);
    expect(run.outcomes).toEqual([expect.stringMatching(/^retrying: the report could not be stored/)]);
    expect((await inboundRow("x", dm.data.id))!).toMatchObject({ state: "pending", claimed_at: null });
    expect(t.mail.some((m) => m.to === "fallback@ops.example.test" && m.subject.startsWith("URGENT (not stored)"))).toBe(true);

    const [ref] = referenceIn(await settle(t, "x", now));
    expect((await inboundRow("x", dm.data.id))!.outcome).toBe(`report ${ref}`);
  });
});

describe("X direct messages", () => {
  it("always become reports, answered by DM with the private link; our own DMs are ignored; a second DM adds to the report", async () => {
    const t = socialEnv({ settings: { SOCIAL_REPORT_KEYWORDS: "outage" } });
    const now = new Date();
    const dm = await control<{ data: { id: string; sender_id: string } }>(t, "x", "dm", { text: "Hi, my VPS has been unreachable since 10:00", author: { username: "bea_ops", name: "Bea" } });
    const [, dms] = await pollNetwork(t.svc, xNetwork, now);
    expect(dms).toMatchObject({ stream: "dms", stored: 1 });
    const [ref] = referenceIn(await settle(t, "x", now));
    expect((await reportByReference(ref!))!).toMatchObject({ channel: "x", reporter_x_handle: "bea_ops" });
    const answer = (await xState(t)).dms_sent.find((d) => d.to === dm.data.sender_id)!;
    expect(answer.text).toContain(`/r/${ref}?k=`);

    const second = await control<{ data: { id: string } }>(t, "x", "dm", { text: "Still down. Please call +31 6 1234 5678", author: { id: dm.data.sender_id } });
    const [, more] = await pollNetwork(t.svc, xNetwork, now);
    expect(more!.stored).toBe(2); // Bea's second DM and our own answer, which comes back in the feed
    const outcomes = await settle(t, "x", now);
    expect(outcomes).toEqual(expect.arrayContaining(["ignored: our own post", `followup ${ref}`]));
    expect((await inboundRow("x", second.data.id))!.outcome).toBe(`followup ${ref}`);
    expect((await xState(t)).dms_sent.filter((d) => d.to === dm.data.sender_id)).toHaveLength(1);
  });
});
