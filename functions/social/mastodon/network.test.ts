// Mastodon against the loopback fake instance (each test its own): mentions and direct
// mentions become reports with the author's account, replies mention them (and are never
// louder than what they answer), private answers are direct, every post carries an
// Idempotency-Key, the min_id cursor moves page by page, rate limits and errors hold it.
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { pollNetwork } from "../poll";
import { readStream } from "../queries";
import { contextFor } from "../registry";
import { sendDuePosts } from "../outbound";
import { mastodonNetwork } from "./network";
import { mastodonLength } from "./text.pure";
import { postJson, staffHeaders } from "../../../test/helpers";
import { announce, forgetLeftovers, control, inboundRow, postsOf, pushSocialOncall, reportByReference, scriptFake, settle, socialEnv, type SocialTestEnv } from "../../../test/social/helpers";

afterEach(forgetLeftovers);

interface Status {
  id: string;
  text: string;
  visibility: string;
  in_reply_to_id: string | null;
  idempotency_key: string | null;
}
type Mention = { data: { id: string; account: { id: string; acct: string }; status: { id: string } } };

beforeAll(pushSocialOncall);

const statuses = async (t: SocialTestEnv) => (await control<{ data: { statuses: Status[] } }>(t, "mastodon", "state")).data.statuses;
const cursorOf = async (t: SocialTestEnv) => readStream(env.DB, "mastodon", `mentions:${mastodonNetwork.accountKey(t.env)}`);
const refs = (outcomes: string[]) => outcomes.map((o) => /^report (R-\w+)/.exec(o)?.[1]).filter(Boolean) as string[];

describe("Mastodon mentions", () => {
  it("become a report with the author's account, a public reply that mentions them and a direct answer with the private link", async () => {
    const t = socialEnv({ settings: { SOCIAL_REPLIES_PER_HOUR: "1000" } });
    const now = new Date();
    const m = await control<Mention>(t, "mastodon", "mention", { text: "all my sites give 502 & the <panel> too", account: { username: "ada", acct: "ada@hachyderm.example", display_name: "Ada" } });
    expect((await pollNetwork(t.svc, mastodonNetwork, now))[0]).toMatchObject({ stored: 1, error: null });
    const [ref] = refs(await settle(t, "mastodon", now));
    expect((await reportByReference(ref!))!).toMatchObject({ channel: "mastodon", reporter_social_handle: "ada@hachyderm.example", reporter_name: "Ada", subject: "all my sites give 502 & the <panel> too" });
    const ours = await statuses(t);
    const reply = ours.find((s) => s.visibility === "public")!;
    expect(reply).toMatchObject({ in_reply_to_id: m.data.status.id, idempotency_key: `mastodon:reply:${m.data.status.id}` });
    expect(reply.text).toMatch(new RegExp(`^@ada@hachyderm\\.example We're on it: your report ${ref}`));
    expect(reply.text).not.toContain("/r/");
    const direct = ours.find((s) => s.visibility === "direct")!;
    expect(direct.text).toMatch(new RegExp(`^@ada@hachyderm\\.example Thanks.*/r/${ref}\\?k=`));
    for (const s of ours) expect(mastodonLength(s.text)).toBeLessThanOrEqual(500);
  });

  it("with direct visibility are private messages: a report and a direct answer only", async () => {
    const t = socialEnv();
    const now = new Date();
    const m = await control<Mention>(t, "mastodon", "mention", { text: "our VPS is unreachable, please call", visibility: "direct" });
    await pollNetwork(t.svc, mastodonNetwork, now);
    await settle(t, "mastodon", now);
    expect((await inboundRow("mastodon", m.data.status.id))!.outcome).toMatch(/^report R-/);
    expect((await statuses(t)).map((s) => [s.visibility, s.in_reply_to_id])).toEqual([["direct", m.data.status.id]]);
  });

  it.each([
    { theirs: "unlisted", ours: "unlisted" },
    { theirs: "private", ours: "direct" },
  ])("answered when $theirs get a reply no louder: $ours", async ({ theirs, ours }) => {
    const t = socialEnv({ settings: { SOCIAL_REPLIES_PER_HOUR: "1000" } });
    const now = new Date();
    await control<Mention>(t, "mastodon", "mention", { text: `mail is down (${theirs})`, visibility: theirs });
    await pollNetwork(t.svc, mastodonNetwork, now);
    await settle(t, "mastodon", now);
    const reply = (await statuses(t)).find((s) => s.text.includes("We're on it"))!;
    expect(reply.visibility).toBe(ours);
  });

  it("are read page by page after the min_id cursor, and the cursor stays put through a 429 and a 5xx", async () => {
    const t = socialEnv({ settings: { SOCIAL_REPLIES_PER_HOUR: "0" } });
    const now = new Date();
    await pollNetwork(t.svc, mastodonNetwork, now);
    expect(JSON.parse((await cursorOf(t))!.cursor!)).toEqual({ minId: "0" }); // nothing yet: everything after is new
    await control(t, "mastodon", "mentions", { count: 50, text: "dns broken" });
    expect((await pollNetwork(t.svc, mastodonNetwork, now))[0]).toMatchObject({ pages: 2, stored: 50 });
    const cursor = (await cursorOf(t))!.cursor;

    await control(t, "mastodon", "mention", { text: "one more" });
    const reset = new Date(now.getTime() + 300_000).toISOString();
    await scriptFake(t, "mastodon", [{ status: 429, body: { error: "Too many requests" }, headers: { "x-ratelimit-limit": "300", "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset } }], `/${t.world}/api/v1/notifications`);
    const [limited] = await pollNetwork(t.svc, mastodonNetwork, now);
    expect(limited!.error).toContain("429");
    expect(await cursorOf(t)).toMatchObject({ cursor, nextPollAt: reset });

    const after = new Date(Date.parse(reset) + 1000);
    await scriptFake(t, "mastodon", [{ status: 502, body: { error: "Bad gateway" } }], `/${t.world}/api/v1/notifications`);
    expect((await pollNetwork(t.svc, mastodonNetwork, after))[0]!.error).toContain("HTTP 502");
    expect((await cursorOf(t))!.cursor).toBe(cursor);
    // Two failures in a row: the second backs off two minutes.
    expect((await pollNetwork(t.svc, mastodonNetwork, new Date(after.getTime() + 61_000)))[0]!.skipped).toMatch(/^waiting until/);
    expect((await pollNetwork(t.svc, mastodonNetwork, new Date(after.getTime() + 121_000)))[0]).toMatchObject({ stored: 1, error: null });
  });

  it("answering our reply add to the author's open report", async () => {
    const t = socialEnv({ settings: { SOCIAL_REPLIES_PER_HOUR: "1000" } });
    const now = new Date();
    const m = await control<Mention>(t, "mastodon", "mention", { text: "FTP upload fails" });
    await pollNetwork(t.svc, mastodonNetwork, now);
    const [ref] = refs(await settle(t, "mastodon", now));
    const reply = (await statuses(t)).find((s) => s.visibility === "public")!;
    const again = await control<Mention>(t, "mastodon", "mention", { text: "still failing", account: { id: m.data.account.id, acct: m.data.account.acct }, in_reply_to_id: reply.id });
    await pollNetwork(t.svc, mastodonNetwork, now);
    await settle(t, "mastodon", now);
    expect((await inboundRow("mastodon", again.data.status.id))!.outcome).toBe(`followup ${ref}`);
  });
});

describe("Mastodon posts", () => {
  it("send staff updates as a public thread within the instance's limit", async () => {
    const t = socialEnv({ settings: { MASTODON_MAX_CHARS: "200" } });
    const res = await postJson(
      "/api/admin/incidents",
      { name: "Mail delayed", status: "investigating", impact: "minor", body: "Outgoing mail waits in the queue for up to an hour. ".repeat(6), components: {} },
      staffHeaders(),
    );
    const id = ((await res.json()) as { id: string }).id;
    const now = new Date(Date.now() + 1000);
    await announce(t, id, now);
    for (let i = 0; i < 10 && (await sendDuePosts(t.svc, mastodonNetwork, now)).more; i++);
    const rows = await postsOf("mastodon", "thread_key = ?2", id);
    expect(rows.length).toBeGreaterThan(1);
    expect(rows.every((r) => r.state === "sent")).toBe(true);
    const byId = new Map((await statuses(t)).map((s) => [s.id, s]));
    const thread = rows.map((r) => byId.get(r.remote_id as string)!);
    expect(thread.every((s) => s.visibility === "public" && mastodonLength(s.text) <= 200)).toBe(true);
    expect(thread[0]!.in_reply_to_id).toBeNull();
    for (let i = 1; i < thread.length; i++) expect(thread[i]!.in_reply_to_id).toBe(thread[i - 1]!.id);
  });

  it("carry an Idempotency-Key, so a send repeated after a crash posts once", async () => {
    const t = socialEnv();
    const ctx = contextFor(env.DB, mastodonNetwork, t.env, new Date());
    const post = { id: "mastodon:update:upd_once:0", kind: "update" as const, text: "One post only.", replyTo: null, threadRoot: null, recipient: null };
    const first = await mastodonNetwork.send(ctx, post);
    const again = await mastodonNetwork.send(ctx, post);
    expect(again.remoteId).toBe(first.remoteId);
    expect(await statuses(t)).toHaveLength(1);
  });
});
