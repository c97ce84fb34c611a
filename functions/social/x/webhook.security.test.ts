// /hooks/x as an attacker would try it, and as X uses it: the CRC answer; signatures good, bad,
// missing, for another body, and replayed; size and syntax limits; both payload flavours
// (Account Activity API and X Activity API); and the same mention arriving by webhook and by
// polling making one report. Requests go through the real app with an execution context, so
// the work done after the answer (handling, replies, pages) is awaited before asserting.
import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../app";
import { pollNetwork } from "../poll";
import { xNetwork } from "./network";
import { xSignature } from "./webhook";
import { forgetLeftovers, control, inboundRow, pushSocialOncall, settle, socialEnv, X_SECRET, type SocialTestEnv } from "../../../test/social/helpers";

afterEach(forgetLeftovers);

beforeAll(pushSocialOncall);

const app = createApp();

async function hook(t: SocialTestEnv, init: RequestInit & { path?: string }): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(`https://status.example-hosting.test${init.path ?? "/hooks/x"}`, init), t.env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

async function signedPost(t: SocialTestEnv, payload: unknown, opts: { signature?: string | null; body?: string } = {}): Promise<Response> {
  const body = opts.body ?? JSON.stringify(payload);
  const headers: Record<string, string> = { "content-type": "application/json" };
  const signature = opts.signature === undefined ? await xSignature(X_SECRET, body) : opts.signature;
  if (signature !== null) headers["x-twitter-webhooks-signature"] = signature;
  return hook(t, { method: "POST", headers, body });
}

async function reportsFor(messageId: string): Promise<number> {
  const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM reports WHERE channel = 'x' AND channel_message_id = ?1").bind(messageId).first<{ n: number }>();
  return row!.n;
}

type MentionControl = { data: { id: string; author_id: string }; activity_event: unknown; account_activity: unknown };

describe("the CRC check", () => {
  it("answers sha256= and the base64 HMAC-SHA256 of crc_token under the consumer secret", async () => {
    const t = socialEnv();
    const res = await hook(t, { path: "/hooks/x?crc_token=challenge-7f3a" });
    expect(res.status).toBe(200);
    // Computed outside the Worker: node -e "crypto.createHmac('sha256', secret).update(token).digest('base64')"
    expect(await res.json()).toEqual({ response_token: "sha256=yVlVKci9VxlI3rgbwde3+XV1fI30cURehmQ3HPHchn0=" });
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("refuses a check without a token, and one with an absurd token", async () => {
    const t = socialEnv();
    expect((await hook(t, { path: "/hooks/x" })).status).toBe(400);
    const long = await hook(t, { path: `/hooks/x?crc_token=${"a".repeat(600)}` });
    expect(long.status).toBe(400);
    expect(((await long.json()) as { error: { code: string } }).error.code).toBe("bad_request");
  });

  it("is not there when X is not set up (no consumer secret)", async () => {
    const t = socialEnv({ settings: { X_CONSUMER_SECRET: "" } });
    expect((await hook(t, { path: "/hooks/x?crc_token=abc" })).status).toBe(404);
    expect((await signedPost(t, {}, { signature: "sha256=AAAA" })).status).toBe(404);
  });
});

describe("signed deliveries", () => {
  it("file a report from an X Activity API mention, answered and paged", async () => {
    const t = socialEnv({ settings: { SOCIAL_REPLIES_PER_HOUR: "1000" } });
    const m = await control<MentionControl>(t, "x", "mention", { text: "@ExampleHosting checkout on my shop gives 502", author: { username: "dora_shop" } });
    const res = await signedPost(t, m.activity_event);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ received: 1, new: 1, malformed: 0 });
    expect(await reportsFor(m.data.id)).toBe(1);
    expect((await inboundRow("x", m.data.id))!).toMatchObject({ received_via: "webhook", state: "done" });
    const state = (await control<{ data: { posts: Array<{ in_reply_to_tweet_id: string }> } }>(t, "x", "state")).data;
    expect(state.posts.some((p) => p.in_reply_to_tweet_id === m.data.id)).toBe(true);
  });

  it("file a report from an Account Activity API mention and a DM", async () => {
    const t = socialEnv({ settings: { SOCIAL_REPLIES_PER_HOUR: "1000" } });
    const m = await control<MentionControl>(t, "x", "mention", { text: "@ExampleHosting SSL expired on all my domains" });
    expect((await signedPost(t, m.account_activity)).status).toBe(200);
    expect(await reportsFor(m.data.id)).toBe(1);
    const dm = await control<{ data: { id: string }; account_activity: unknown; activity_event: unknown }>(t, "x", "dm", { text: "Your panel shows error 500 since this morning" });
    expect((await signedPost(t, dm.account_activity)).status).toBe(200);
    expect(await reportsFor(dm.data.id)).toBe(1);
    // The same DM as an X Activity API event is the same DM.
    expect(await (await signedPost(t, dm.activity_event)).json()).toMatchObject({ received: 1, new: 0 });
    expect(await reportsFor(dm.data.id)).toBe(1);
  });

  it("replayed, store nothing new and file nothing twice", async () => {
    const t = socialEnv();
    const m = await control<MentionControl>(t, "x", "mention", { text: "@ExampleHosting backups failed last night" });
    const body = JSON.stringify(m.activity_event);
    const signature = await xSignature(X_SECRET, body);
    expect(await (await signedPost(t, null, { body, signature })).json()).toMatchObject({ new: 1 });
    for (let i = 0; i < 3; i++) expect(await (await signedPost(t, null, { body, signature })).json()).toMatchObject({ received: 1, new: 0 });
    expect(await reportsFor(m.data.id)).toBe(1);
  });

  it("and polling of the same mention make one report, whichever comes first", async () => {
    const t = socialEnv({ settings: { SOCIAL_REPLIES_PER_HOUR: "1000" } });
    const now = new Date();
    await pollNetwork(t.svc, xNetwork, now); // the cursors start here
    const pushedFirst = await control<MentionControl>(t, "x", "mention", { text: "@ExampleHosting my database is read-only" });
    await signedPost(t, pushedFirst.activity_event);
    const polledFirst = await control<MentionControl>(t, "x", "mention", { text: "@ExampleHosting cron jobs stopped running" });
    const [run] = await pollNetwork(t.svc, xNetwork, now);
    expect(run).toMatchObject({ stored: 1 }); // only the one the webhook had not brought
    await settle(t, "x", now);
    expect(await (await signedPost(t, polledFirst.activity_event)).json()).toMatchObject({ new: 0 });
    expect(await reportsFor(pushedFirst.data.id)).toBe(1);
    expect(await reportsFor(polledFirst.data.id)).toBe(1);
  });
});

describe("refused deliveries", () => {
  it("without a signature, with a wrong one, or signed for another body: 401 and nothing stored", async () => {
    const t = socialEnv();
    const m = await control<MentionControl>(t, "x", "mention", { text: "@ExampleHosting please ignore me, attacker" });
    const body = JSON.stringify(m.activity_event);
    const missing = await signedPost(t, null, { body, signature: null });
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
    expect((await signedPost(t, null, { body, signature: await xSignature("not-the-secret", body) })).status).toBe(401);
    expect((await signedPost(t, null, { body, signature: "sha256=" })).status).toBe(401);
    expect((await signedPost(t, null, { body, signature: (await xSignature(X_SECRET, body)).replace("sha256=", "sha1=") })).status).toBe(401);
    const tampered = body.replace("please ignore me", "page everyone now");
    expect((await signedPost(t, null, { body: tampered, signature: await xSignature(X_SECRET, body) })).status).toBe(401);
    expect(await inboundRow("x", m.data.id)).toBeNull();
    expect(await reportsFor(m.data.id)).toBe(0);
  });

  it("over the size limit: 413 before anything is read; signed but not JSON: 400", async () => {
    const t = socialEnv();
    const big = JSON.stringify({ data: { event_type: "post.mention.create", payload: { text: "x".repeat(300 * 1024) } } });
    expect((await signedPost(t, null, { body: big })).status).toBe(413);
    const notJson = await signedPost(t, null, { body: "event=mention" });
    expect(notJson.status).toBe(400);
  });

  it("with malformed items keep the good ones and say how many were skipped", async () => {
    const t = socialEnv();
    const dm = await control<{ data: { id: string }; account_activity: { direct_message_events: unknown[] } }>(t, "x", "dm", { text: "Our shop is offline, order emails not arriving" });
    const payload = { ...dm.account_activity, direct_message_events: [...dm.account_activity.direct_message_events, { type: "message_create", id: "not-a-number" }] };
    const res = await signedPost(t, payload);
    expect(await res.json()).toMatchObject({ received: 1, new: 1, malformed: 1 });
    expect(await reportsFor(dm.data.id)).toBe(1);
  });

  it("of events we do not act on (likes, follows, reads) are acknowledged and ignored", async () => {
    const t = socialEnv();
    const res = await signedPost(t, { data: { event_uuid: "1", filter: { user_id: t.xSelf }, event_type: "follow.follow", payload: {} } });
    expect(await res.json()).toMatchObject({ received: 0, new: 0, ignored: 1 });
  });
});
