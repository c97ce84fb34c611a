// X's pay-per-use cost: every post and user object read, every post (more with a link) and DM
// sent is counted and priced; `npm run x -- cost` reads the month through the staff API; at the
// operator's cap, mention polling and optional posts stop while customers' DMs are still read
// and answered, until the month turns.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { sendDuePosts } from "../outbound";
import { pollNetwork } from "../poll";
import { usageStatements } from "../queries";
import { storeInbound } from "../store";
import { xNetwork } from "./network";
import { fetchWorker, postJson, staffHeaders } from "../../../test/helpers";
import { announce, forgetLeftovers, control, inboundRow, postsOf, settle, socialEnv } from "../../../test/social/helpers";

afterEach(forgetLeftovers);

interface Cost {
  month: string;
  lines: Array<{ metric: string; count: number; price: number; usd: number }>;
  reads: number;
  writes: number;
  spentUsd: number;
  projectedUsd: number;
  capUsd: number | null;
  capReached: boolean;
}

async function cost(): Promise<Cost> {
  const res = await fetchWorker("/api/admin/social/x/cost", { headers: staffHeaders() });
  expect(res.status).toBe(200);
  return (await res.json()) as Cost;
}
const countOf = (c: Cost, metric: string) => c.lines.find((l) => l.metric === metric)!.count;

describe("the cost of X", () => {
  it("counts each post and user read and each post and DM sent, priced as X prices them", async () => {
    const t = socialEnv({ settings: { SOCIAL_REPLIES_PER_HOUR: "1000" } });
    const now = new Date();
    await pollNetwork(t.svc, xNetwork, now);
    const before = await cost();
    for (const who of ["eve", "fay", "gus"]) await control(t, "x", "mention", { text: `@ExampleHosting ${who} here: the API is down`, author: { username: `${who}_dev` } });
    await pollNetwork(t.svc, xNetwork, now);
    await settle(t, "x", now);
    const after = await cost();
    expect(countOf(after, "post_read") - countOf(before, "post_read")).toBe(3);
    expect(countOf(after, "user_read") - countOf(before, "user_read")).toBe(3);
    expect(countOf(after, "post_create_url") - countOf(before, "post_create_url")).toBe(3); // replies with the status link
    expect(countOf(after, "dm_create") - countOf(before, "dm_create")).toBe(3);
    // 3 x $0.005 + 3 x $0.010 + 3 x $0.200 + 3 x $0.015
    expect(after.spentUsd - before.spentUsd).toBeCloseTo(0.69, 3);
    expect(after.projectedUsd).toBeGreaterThanOrEqual(after.spentUsd);
    expect(after.month).toBe(now.toISOString().slice(0, 7));
    expect(after.capUsd).toBe(25);
  });

  it("is shown to staff only", async () => {
    expect((await fetchWorker("/api/admin/social")).status).toBe(401);
    const overview = await fetchWorker("/api/admin/social", { headers: staffHeaders() });
    expect(overview.status).toBe(200);
    const { networks } = (await overview.json()) as { networks: Array<{ network: string; configured: boolean; spend: unknown }> };
    expect(networks.map((n) => n.network).sort()).toEqual(["bluesky", "mastodon", "x"]);
    expect(networks.find((n) => n.network === "mastodon")!.spend).toBeNull(); // free: nothing to cap
    expect((await fetchWorker("/api/admin/social/x/cost")).status).toBe(401);
    expect((await fetchWorker("/api/admin/social/x/cost", { headers: { authorization: "Bearer oob_not-a-token" } })).status).toBe(401);
    const unknown = await fetchWorker("/api/admin/social/myspace/cost", { headers: staffHeaders() });
    expect(unknown.status).toBe(400);
  });
});

describe("at the monthly spend cap", () => {
  it("mention polling and optional posts stop, customers' DMs are still read and answered, until the month turns", async () => {
    // A cap 50 cents above what this month has cost so far; then $1.00 of reads.
    const cap = ((await cost()).spentUsd + 0.5).toFixed(3);
    const t = socialEnv({ settings: { X_MONTHLY_SPEND_CAP_USD: cap, SOCIAL_REPLIES_PER_HOUR: "1000" } });
    const now = new Date();
    const [before] = await pollNetwork(t.svc, xNetwork, now); // cursors start before the cap is hit
    expect(before!.skipped).toBeNull();
    const mentionReads = async () => (await fakeReads(t.world)).filter((p) => p.includes("/mentions")).length;
    const readsAtCap = await mentionReads();
    await env.DB.batch(usageStatements(env.DB, "x", { post_read: 200 }, now));
    const dm = await control<{ data: { id: string; sender_id: string } }>(t, "x", "dm", { text: "All our sites are down, please help" });
    await control(t, "x", "mention", { text: "@ExampleHosting down here too" });

    const [mentions, dms] = await pollNetwork(t.svc, xNetwork, now);
    expect(mentions).toMatchObject({ skipped: "the monthly spend cap is reached", pages: 0 });
    expect(dms).toMatchObject({ stored: 1, skipped: null });
    expect(await mentionReads()).toBe(readsAtCap);

    // A mention X pushes anyway is filed (the report matters), but not answered publicly.
    const pushed = await control<{ data: { id: string; author_id: string } }>(t, "x", "mention", { text: "@ExampleHosting is it DNS?" });
    await storeInbound(t.svc, "x", [{ id: pushed.data.id, kind: "mention", authorId: pushed.data.author_id, authorHandle: "pushed_user", authorName: null, text: "@ExampleHosting is it DNS?", createdAt: now.toISOString(), conversationId: pushed.data.id, inReplyToId: null, isRepost: false, fromSelf: false, url: null, replyRef: null }], "webhook", now);
    const incident = await postJson("/api/admin/incidents", { name: "Mass outage", status: "investigating", impact: "critical", body: "Everything is down.", components: {} }, staffHeaders());
    const incidentId = ((await incident.json()) as { id: string }).id;
    const later = new Date(now.getTime() + 1000);
    await announce(t, incidentId, later);
    await settle(t, "x", later);

    expect((await inboundRow("x", dm.data.id))!.outcome).toMatch(/^report R-/);
    const dmAnswer = await postsOf("x", "reply_to = ?2", dm.data.id);
    expect(dmAnswer.map((p) => [p.kind, p.optional, p.state])).toEqual([["private", 0, "sent"]]);
    const pushedAnswers = await postsOf("x", "reply_to = ?2", pushed.data.id);
    expect(pushedAnswers.map((p) => [p.kind, p.state, p.last_error]).sort()).toEqual([
      ["private", "skipped", "the monthly spend cap is reached"],
      ["reply", "skipped", "the monthly spend cap is reached"],
    ]);
    expect((await postsOf("x", "thread_key = ?2", incidentId)).map((p) => p.state)).toEqual(["skipped"]);

    // Next month the cap starts afresh.
    const nextMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 2));
    const [resumed] = await pollNetwork(t.svc, xNetwork, nextMonth);
    expect(resumed!.skipped).toBeNull();
    const run = await sendDuePosts(t.svc, xNetwork, nextMonth);
    expect(run.skipped).toBe(0);
  });
});

async function fakeReads(world: string): Promise<string[]> {
  const res = await fetch(`${(await import("../../../test/helpers")).fakeProviders.url()}/__requests?provider=x`);
  return ((await res.json()) as Array<{ path: string }>).map((r) => r.path).filter((p) => p.startsWith(`/${world}/2/`));
}
