// Staff replies to reporters who wrote on X, Mastodon or Bluesky, through the staff reports API,
// against the loopback fakes: a private message with the reply and the private link (an X DM, a
// Mastodon post with direct visibility, a Bluesky chat message); on X with DMs closed, a public
// reply without the private link (not even one staff pasted); a repeated queue delivery never
// sends twice; a 429 keeps the reply queued and a later run sends it once; a long reply is split
// within the network's length; at X's spend cap no public reply goes out.
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { deliverReply } from "../inbox/actions";
import { findReplyDelivery } from "../inbox/queries";
import { pollNetwork } from "./poll";
import { networkOf } from "./registry";
import { mastodonLength } from "./mastodon/text.pure";
import { staffHeaders } from "../../test/helpers";
import { call } from "../../test/reports/helpers";
import { forgetLeftovers, control, postsOf, pushSocialOncall, scriptFake, settle, socialEnv, type SocialTestEnv } from "../../test/social/helpers";
import type { NetworkName } from "./message.pure";

afterEach(forgetLeftovers);
beforeAll(pushSocialOncall);

const refs = (outcomes: string[]) => outcomes.map((o) => /^report (R-\w+)/.exec(o)?.[1]).filter(Boolean) as string[];

/** Polls what the fake holds for this test and files it; the report's reference. */
async function fileFrom(t: SocialTestEnv, network: NetworkName): Promise<string> {
  const now = new Date();
  await pollNetwork(t.svc, networkOf(network), now);
  const [ref] = refs(await settle(t, network, now));
  expect(ref).toBeTruthy();
  return ref!;
}

/** A staff reply through the staff API (its job runs in the same invocation, as in production). */
async function staffReply(t: SocialTestEnv, reference: string, body: string) {
  const res = await call(
    `/api/admin/reports/${reference}/messages`,
    { method: "POST", headers: staffHeaders({ "content-type": "application/json" }), body: JSON.stringify({ body }) },
    t.env,
  );
  expect(res.status).toBe(201);
  const { reply } = (await res.json()) as { reply: { message_id: number; channel: string | null; to: string | null; note: string | null } };
  return { ...reply, delivery: async () => (await findReplyDelivery(env.DB, reply.message_id))! };
}

interface XState {
  posts: Array<{ id: string; text: string; in_reply_to_tweet_id: string | null }>;
  dms_sent: Array<{ dm_event_id: string; to: string; text: string }>;
}
const xState = async (t: SocialTestEnv) => (await control<{ data: XState }>(t, "x", "state")).data;

/** A mention on X filed as a report, its public and private answers sent (and set aside). */
async function xMention(t: SocialTestEnv, text: string) {
  await pollNetwork(t.svc, networkOf("x"), new Date());
  const m = await control<{ data: { id: string; author_id: string }; author: { username: string } }>(t, "x", "mention", { text });
  const reference = await fileFrom(t, "x");
  const before = await xState(t);
  return { reference, mention: m.data, handle: m.author.username, before };
}

describe("a staff reply to an X reporter", () => {
  it("goes as a DM with the reply and the private link, and a repeated delivery sends nothing more", async () => {
    const t = socialEnv({ settings: { SOCIAL_REPLIES_PER_HOUR: "1000" } });
    const { reference, mention, handle, before } = await xMention(t, "@ExampleHosting my VPS is unreachable");
    const reply = await staffReply(t, reference, "We rebooted the hypervisor your VPS runs on; it answers again.");
    expect(reply).toMatchObject({ channel: "x", to: `@${handle} on X`, note: null });
    const delivery = await reply.delivery();
    expect(delivery.state).toBe("sent");

    const dms = (await xState(t)).dms_sent.slice(before.dms_sent.length);
    expect(dms).toHaveLength(1);
    expect(dms[0]!.to).toBe(mention.author_id);
    expect(dms[0]!.text).toContain("We rebooted the hypervisor your VPS runs on; it answers again.");
    expect(dms[0]!.text).toMatch(new RegExp(`/r/${reference}\\?k=`));
    expect(delivery.providerId).toBe(dms[0]!.dm_event_id);
    expect((await xState(t)).posts).toHaveLength(before.posts.length); // nothing public

    // The queue delivers again, and the cron's sweep too: still one DM.
    await deliverReply(t.svc, reply.message_id, new Date());
    await deliverReply(t.svc, reply.message_id, new Date(Date.now() + 10 * 60_000));
    expect((await xState(t)).dms_sent.slice(before.dms_sent.length)).toHaveLength(1);
    // Counted towards X's monthly usage like every DM we send.
    expect((await postsOf("x", "report_id = (SELECT id FROM reports WHERE reference = ?2) AND id LIKE 'x:staff:%'", reference)).map((p) => p.state)).toEqual(["sent"]);
  });

  it("goes as a public reply to their post when their DMs are closed: the reply and the reference, never the private link", async () => {
    const t = socialEnv({ settings: { SOCIAL_REPLIES_PER_HOUR: "1000" } });
    const { reference, mention, before } = await xMention(t, "@ExampleHosting DNS for my domains fails");
    await control(t, "x", "closed-dms", { user_id: mention.author_id });
    // Staff paste the private link from the console: it must not be posted publicly.
    const reply = await staffReply(t, reference, `Fixed: the zone was re-signed. Details: https://status.example-hosting.test/r/${reference}?k=secret-token-value`);
    expect((await reply.delivery()).state).toBe("sent");
    const after = await xState(t);
    expect(after.dms_sent).toHaveLength(before.dms_sent.length);
    const posts = after.posts.slice(before.posts.length);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.in_reply_to_tweet_id).toBe(mention.id);
    expect(posts[0]!.text).toContain("Fixed: the zone was re-signed.");
    expect(posts[0]!.text).toContain(reference);
    expect(posts[0]!.text).not.toContain("/r/");
    expect(posts[0]!.text).not.toContain("secret-token-value");
  });

  it("is not posted publicly at the monthly spend cap: the delivery fails with the reason", async () => {
    const t = socialEnv({ settings: { SOCIAL_REPLIES_PER_HOUR: "1000" } });
    const { reference, mention, before } = await xMention(t, "@ExampleHosting backups failed tonight");
    await control(t, "x", "closed-dms", { user_id: mention.author_id });
    Object.assign(t.env, { X_MONTHLY_SPEND_CAP_USD: "0.000001" });
    const reply = await staffReply(t, reference, "We are re-running the backup now.");
    const delivery = await reply.delivery();
    expect(delivery.state).toBe("failed");
    expect(delivery.error).toContain("spend cap");
    expect((await xState(t)).posts).toHaveLength(before.posts.length);
  });

  it("stays queued through a 429 and goes once when tried again", async () => {
    const t = socialEnv({ settings: { SOCIAL_REPLIES_PER_HOUR: "1000" } });
    const { reference, mention, before } = await xMention(t, "@ExampleHosting panel login loops");
    await scriptFake(t, "x", [{ status: 429, body: { title: "Too Many Requests", detail: "Too Many Requests", type: "about:blank", status: 429 }, headers: { "x-rate-limit-remaining": "0", "x-rate-limit-reset": String(Math.floor(Date.now() / 1000) + 60) } }], `/${t.world}/2/dm_conversations/with/${mention.author_id}/messages`);
    const reply = await staffReply(t, reference, "Clearing the session store fixed it.");
    expect(await reply.delivery()).toMatchObject({ state: "queued", error: expect.stringContaining("429") });
    expect((await xState(t)).dms_sent).toHaveLength(before.dms_sent.length);
    await deliverReply(t.svc, reply.message_id, new Date());
    await deliverReply(t.svc, reply.message_id, new Date());
    expect((await reply.delivery()).state).toBe("sent");
    expect((await xState(t)).dms_sent.slice(before.dms_sent.length).map((d) => d.text)).toEqual([expect.stringContaining("Clearing the session store fixed it.")]);
  });
});

describe("a staff reply to a Mastodon reporter", () => {
  it("is a direct-visibility post that mentions them, split within the instance's length, the private link only there", async () => {
    const t = socialEnv({ settings: { SOCIAL_REPLIES_PER_HOUR: "1000" } });
    const m = await control<{ data: { status: { id: string } } }>(t, "mastodon", "mention", { text: "mail to outlook bounces", account: { username: "ada", acct: "ada@hachyderm.example", display_name: "Ada" } });
    const reference = await fileFrom(t, "mastodon");
    const statuses = async () => (await control<{ data: { statuses: Array<{ id: string; text: string; visibility: string; in_reply_to_id: string | null }> } }>(t, "mastodon", "state")).data.statuses;
    const before = (await statuses()).length;
    const long = `Outlook rejected our outbound IP for a few hours. ${"We asked Microsoft to delist it and moved your mail to another relay meanwhile. ".repeat(8)}`;
    const reply = await staffReply(t, reference, long);
    expect(reply).toMatchObject({ channel: "mastodon", to: "@ada@hachyderm.example on Mastodon" });
    expect((await reply.delivery()).state).toBe("sent");
    const ours = (await statuses()).slice(before);
    expect(ours.length).toBeGreaterThan(1);
    for (const s of ours) {
      expect(s.visibility).toBe("direct");
      expect(s.text).toMatch(/^@ada@hachyderm\.example /);
      expect(s.in_reply_to_id).toBe(m.data.status.id);
      expect(mastodonLength(s.text)).toBeLessThanOrEqual(500);
    }
    expect(ours.filter((s) => s.text.includes(`/r/${reference}?k=`))).toHaveLength(1);
    expect(ours.map((s) => s.text).join(" ")).toContain("moved your mail to another relay");
  });
});

describe("a staff reply to a Bluesky reporter", () => {
  it("is a chat message with the reply and the private link", async () => {
    const t = socialEnv();
    await control(t, "bluesky", "dm", { text: "our shop is offline", author: { handle: `bea-${t.world.replace(/_/g, "-")}.bsky.social`, displayName: "Bea" } });
    const reference = await fileFrom(t, "bluesky");
    const sent = async () => (await control<{ data: { sent: Array<{ text: string }> } }>(t, "bluesky", "state")).data.sent;
    const before = (await sent()).length;
    const reply = await staffReply(t, reference, "Your shop's database ran out of connections; we raised the limit.");
    expect(reply.channel).toBe("bluesky");
    expect((await reply.delivery()).state).toBe("sent");
    const messages = (await sent()).slice(before);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.text).toContain("we raised the limit.");
    expect(messages[0]!.text).toMatch(new RegExp(`/r/${reference}\\?k=`));
  });

  it("fails for good, with the network's reason, when the reporter accepts no messages", async () => {
    const t = socialEnv();
    const dm = await control<{ data: { sender: { did: string } } }>(t, "bluesky", "dm", { text: "cannot reach the panel" });
    const reference = await fileFrom(t, "bluesky");
    await control(t, "bluesky", "closed-dms", { did: dm.data.sender.did });
    const reply = await staffReply(t, reference, "It is back.");
    const delivery = await reply.delivery();
    expect(delivery.state).toBe("failed");
    expect(delivery.error).toContain("disabled incoming messages");
  });
});
