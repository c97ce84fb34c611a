// Bluesky against the loopback fake PDS and chat service (each test its own): mentions become
// reports with the author's handle, replies carry reply refs (root and parent), links are
// facets in UTF-8 bytes, private answers go by chat; the session is created once and refreshed
// when its token expires; the notification cursor walks back to where it stood; chat messages
// are read forward from the log's cursor.
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { sendDuePosts } from "../outbound";
import { pollNetwork } from "../poll";
import { blueskyNetwork } from "./network";
import { graphemeLength } from "./richtext.pure";
import { postJson, staffHeaders } from "../../../test/helpers";
import { announce, control, forgetLeftovers, inboundRow, postsOf, pushSocialOncall, reportByReference, scriptFake, settle, socialEnv, type SocialTestEnv } from "../../../test/social/helpers";

afterEach(forgetLeftovers);
beforeAll(pushSocialOncall);

interface StrongRef {
  uri: string;
  cid: string;
}
interface FakePost {
  uri: string;
  cid: string;
  record: { text: string; reply?: { root: StrongRef; parent: StrongRef }; facets?: Array<{ index: { byteStart: number; byteEnd: number }; features: Array<{ uri: string }> }> };
}
interface FakeState {
  self: { did: string };
  posts: FakePost[];
  sent: Array<{ text: string }>;
  sessions_created: number;
}
type Mention = { data: { uri: string; cid: string; author: { did: string; handle: string } } };

const state = async (t: SocialTestEnv) => (await control<{ data: FakeState }>(t, "bluesky", "state")).data;
const refs = (outcomes: string[]) => outcomes.map((o) => /^report (R-\w+)/.exec(o)?.[1]).filter(Boolean) as string[];

describe("Bluesky mentions", () => {
  it("become a report with the author's handle, a reply with reply refs, and a chat message with the private link as a facet", async () => {
    const t = socialEnv({ settings: { SOCIAL_REPLIES_PER_HOUR: "1000" } });
    const now = new Date();
    const m = await control<Mention>(t, "bluesky", "mention", { text: "@status.example-hosting.test my sites are down 😱", author: { handle: "ada.bsky.social", displayName: "Ada" } });
    expect((await pollNetwork(t.svc, blueskyNetwork, now))[0]).toMatchObject({ stream: "notifications", stored: 1, error: null });
    const [ref] = refs(await settle(t, "bluesky", now));
    expect((await reportByReference(ref!))!).toMatchObject({ channel: "bluesky", reporter_social_handle: "ada.bsky.social", reporter_name: "Ada" });

    const s = await state(t);
    const reply = s.posts.find((p) => p.record.reply)!;
    expect(reply.record.reply).toEqual({ root: { uri: m.data.uri, cid: m.data.cid }, parent: { uri: m.data.uri, cid: m.data.cid } });
    expect(reply.record.text).toContain(ref);
    expect(reply.record.text).not.toContain("/r/");
    // The fake refuses a facet whose bytes are not its link: this one was accepted.
    expect(reply.record.facets?.[0]?.features[0]?.uri).toBe("https://status.example-hosting.test/");
    expect(s.sent.find((c) => c.text.includes(`/r/${ref}?k=`))).toBeDefined();
    expect(s.sessions_created).toBe(1);
  });

  it("that reply inside a thread get a reply rooted at the thread's first post", async () => {
    const t = socialEnv({ settings: { SOCIAL_REPLIES_PER_HOUR: "1000" } });
    const now = new Date();
    const root = { uri: "at://did:plc:rootauthor/app.bsky.feed.post/3kabcdefghij2", cid: "bafyreirootcid" };
    const m = await control<Mention>(t, "bluesky", "mention", { text: "@status.example-hosting.test same for me", reply: { root, parent: root } });
    await pollNetwork(t.svc, blueskyNetwork, now);
    await settle(t, "bluesky", now);
    const reply = (await state(t)).posts.find((p) => p.record.reply)!;
    expect(reply.record.reply).toEqual({ root, parent: { uri: m.data.uri, cid: m.data.cid } });
  });

  it("are read back to where the cursor stood, across pages; the session is reused, and refreshed once its token expires", async () => {
    const t = socialEnv({ settings: { SOCIAL_REPLIES_PER_HOUR: "0" } });
    const now = new Date();
    await pollNetwork(t.svc, blueskyNetwork, now);
    for (let i = 0; i < 120; i++) await control(t, "bluesky", "mention", { text: `@status.example-hosting.test webmail down #${i}` });
    const [walk] = await pollNetwork(t.svc, blueskyNetwork, now);
    expect(walk).toMatchObject({ pages: 3, stored: 120 });
    expect((await pollNetwork(t.svc, blueskyNetwork, now))[0]).toMatchObject({ pages: 1, stored: 0 });

    await control(t, "bluesky", "expire-session");
    await control(t, "bluesky", "mention", { text: "@status.example-hosting.test one more" });
    expect((await pollNetwork(t.svc, blueskyNetwork, now))[0]).toMatchObject({ stored: 1, error: null });
    expect((await state(t)).sessions_created).toBe(1); // refreshed, not logged in again
  });

  it("wait for the reset after a 429 and keep their cursor", async () => {
    const t = socialEnv();
    const now = new Date();
    await pollNetwork(t.svc, blueskyNetwork, now);
    const before = await env.DB.prepare("SELECT cursor FROM social_cursors WHERE network = 'bluesky' AND stream = ?1").bind(`notifications:${blueskyNetwork.accountKey(t.env)}`).first<{ cursor: string }>();
    const reset = Math.ceil(now.getTime() / 1000) + 300;
    await scriptFake(t, "bluesky", [{ status: 429, body: { error: "RateLimitExceeded", message: "Rate Limit Exceeded" }, headers: { "ratelimit-limit": "3000", "ratelimit-remaining": "0", "ratelimit-reset": String(reset) } }], "listNotifications");
    const [limited] = await pollNetwork(t.svc, blueskyNetwork, now);
    expect(limited!.error).toContain("429");
    const row = await env.DB.prepare("SELECT cursor, next_poll_at FROM social_cursors WHERE network = 'bluesky' AND stream = ?1").bind(`notifications:${blueskyNetwork.accountKey(t.env)}`).first<{ cursor: string; next_poll_at: string }>();
    expect(row).toEqual({ cursor: before!.cursor, next_poll_at: new Date(reset * 1000).toISOString() });
  });

  it("cannot be read with a wrong app password: the poll fails, backs off, and says so in assurance", async () => {
    const t = socialEnv({ settings: { BLUESKY_APP_PASSWORD: "wrong-password" } });
    const [run] = await pollNetwork(t.svc, blueskyNetwork, new Date());
    expect(run!.error).toContain("AuthenticationRequired");
    const check = await env.DB.prepare("SELECT last_error FROM assurance_checks WHERE name = 'social:bluesky:poll'").first<{ last_error: string }>();
    expect(check!.last_error).toContain("401");
  });
});

describe("Bluesky direct messages", () => {
  it("become reports answered in the chat; our own messages are ignored; a second message adds to the report", async () => {
    const t = socialEnv();
    const now = new Date();
    const dm = await control<{ data: { id: string; sender: { did: string } } }>(t, "bluesky", "dm", { text: "Hi, our shop is offline since 9:00", author: { handle: "bea.bsky.social", displayName: "Bea" } });
    const [, chat] = await pollNetwork(t.svc, blueskyNetwork, now);
    expect(chat).toMatchObject({ stream: "chat", stored: 1 });
    const [ref] = refs(await settle(t, "bluesky", now));
    expect((await reportByReference(ref!))!).toMatchObject({ channel: "bluesky", reporter_social_handle: "bea.bsky.social" });
    expect((await state(t)).sent.map((m) => m.text)).toEqual([expect.stringContaining(`/r/${ref}?k=`)]);

    const second = await control<{ data: { id: string } }>(t, "bluesky", "dm", { text: "Still offline.", author: { did: dm.data.sender.did, handle: "bea.bsky.social" } });
    await pollNetwork(t.svc, blueskyNetwork, now);
    const outcomes = await settle(t, "bluesky", now);
    expect(outcomes).toEqual(expect.arrayContaining(["ignored: our own post", `followup ${ref}`]));
    expect((await inboundRow("bluesky", `chat:${second.data.id}`))!.outcome).toBe(`followup ${ref}`);
  });

  it("to someone who does not accept messages fail for good, and the rest goes on", async () => {
    const t = socialEnv({ settings: { SOCIAL_REPLIES_PER_HOUR: "1000" } });
    const now = new Date();
    const m = await control<Mention>(t, "bluesky", "mention", { text: "@status.example-hosting.test DNS is broken" });
    await control(t, "bluesky", "closed-dms", { did: m.data.author.did });
    await pollNetwork(t.svc, blueskyNetwork, now);
    await settle(t, "bluesky", now);
    const rows = await postsOf("bluesky", "reply_to = ?2", m.data.uri);
    expect(Object.fromEntries(rows.map((r) => [r.kind, r.state]))).toEqual({ reply: "sent", private: "failed" });
  });
});

describe("Bluesky update threads", () => {
  it("root every later post at the first, reply to the one before, link the first with a facet, and stay within 300 graphemes", async () => {
    const t = socialEnv();
    const res = await postJson(
      "/api/admin/incidents",
      { name: "Backups delayed", status: "identified", impact: "minor", body: "Nightly backups of web12-web19 are running late because the backup store is full. 🗄️ ".repeat(5), components: {} },
      staffHeaders(),
    );
    const id = ((await res.json()) as { id: string }).id;
    const now = new Date(Date.now() + 1000);
    await announce(t, id, now);
    for (let i = 0; i < 10 && (await sendDuePosts(t.svc, blueskyNetwork, now)).more; i++);
    const rows = await postsOf("bluesky", "thread_key = ?2", id);
    expect(rows.length).toBeGreaterThan(1);
    const byUri = new Map((await state(t)).posts.map((p) => [p.uri, p]));
    const thread = rows.map((r) => byUri.get(r.remote_id as string)!);
    const root = { uri: thread[0]!.uri, cid: thread[0]!.cid };
    expect(thread[0]!.record.reply).toBeUndefined();
    expect(thread[0]!.record.facets?.[0]?.features[0]?.uri).toBe(`https://status.example-hosting.test/incidents/${id}`);
    for (let i = 1; i < thread.length; i++) expect(thread[i]!.record.reply).toEqual({ root, parent: { uri: thread[i - 1]!.uri, cid: thread[i - 1]!.cid } });
    for (const p of thread) expect(graphemeLength(p.record.text)).toBeLessThanOrEqual(300);
  });
});
