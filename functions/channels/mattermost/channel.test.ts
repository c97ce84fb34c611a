// Mattermost incoming webhooks against the fake Mattermost server: the post's shape, reporter
// text that tries to mention or link, and the server's 429, 5xx and 4xx answers.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { failure, fakeUrl, message, requestsFor, send } from "../../../test/channels/helpers";
import { mattermostChannel } from "./channel";

// The fields the on-call configuration checks for a mattermost contact method.
const fields = z.object(mattermostChannel.contactFields);

/** A hook key of letters and digits, as Mattermost makes them; the prefix picks the fake's answer. */
function hookUrl(prefix = "hook"): { url: string; key: string } {
  const key = `${prefix}${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
  return { url: `${fakeUrl()}/mattermost/hooks/${key}`, key };
}

describe("mattermost channel", () => {
  it("posts the alert as a headline with the ack link and one red attachment quoting the first report", async () => {
    const { url, key } = hookUrl();
    const msg = message();
    const { result } = await send({ type: "mattermost", webhookUrl: url }, msg);
    const [req] = await requestsFor("mattermost", key);
    expect(req).toMatchObject({ method: "POST", path: `/hooks/${key}` });
    expect(req!.headers["content-type"]).toBe("application/json");
    const body = JSON.parse(req!.body);
    expect(body.text).toContain("ALERT 7KQ2M: Web hosting: All sites give 502");
    expect(body.text).toContain(`[Acknowledge](${msg.ackUrl})`);
    expect(body.attachments).toHaveLength(1);
    expect(body.attachments[0]).toMatchObject({ color: "#D92D20", title: "Acknowledge", title_link: msg.ackUrl, fallback: msg.text });
    expect(body.attachments[0].text).toContain("> Since 10:02 every site on web12 answers 502 &amp; &lt;b&gt;nothing&lt;/b&gt; loads.");
    expect(body.attachments[0].fields).toEqual([
      { short: true, title: "What", value: "Web hosting" },
      { short: true, title: "Urgency", value: "critical" },
    ]);
    expect(result.providerId).toBeNull();
  });

  it("never lets reporter text mention the channel, a user, or post a link or image", async () => {
    const { url, key } = hookUrl();
    const attack = "@channel <!here> <!all> <@u1x2y3> hi @all, see [Acknowledge](https://evil.example/ack) ![x](https://evil.example/p.png) <https://evil.example|ack>";
    const msg = { ...message(), subject: attack, what: attack, title: `ALERT 7KQ2M: ${attack}`, text: `[Example Hosting] ALERT 7KQ2M: ${attack}`, firstText: `${attack}\n# Heading\n- item` };
    await send({ type: "mattermost", webhookUrl: url }, msg);
    const [req] = await requestsFor("mattermost", key);
    const body = JSON.parse(req!.body) as { text: string; attachments: Array<{ fallback: string; text: string; fields: Array<{ value: string }> }> };
    // Rendered as Markdown, where Mattermost also expands <!here> and <@id> (the fallback is
    // plain text for notifications: only mentions matter there).
    const rendered = [body.text, body.attachments[0]!.text, ...body.attachments[0]!.fields.map((f) => f.value)];
    for (const text of [...rendered, body.attachments[0]!.fallback]) {
      expect(text).not.toMatch(/(^|[^\p{L}\p{N}_.-])@(channel|here|all|u1x2y3)/u); // no mention survives
    }
    for (const text of rendered) {
      expect(text).not.toMatch(/<[!@]|<https?:/); // no Slack-style announcement, user or link sequence
      expect(text).not.toContain("https://evil.example/ack)"); // the Markdown link is escaped...
    }
    expect(body.attachments[0]!.text).toContain("\\[Acknowledge\\]\\(https://evil.example/ack\\)"); // ...and reads as written
    expect(body.attachments[0]!.text).toContain("> \\# Heading\n> \\- item");
    expect(body.text.match(/\]\(/g)).toHaveLength(1); // the only link is our own Acknowledge
  });

  it("treats the rate limiter's 429 as retryable after its Retry-After", async () => {
    const { url } = hookUrl("ratelimited");
    const err = await failure(send({ type: "mattermost", webhookUrl: url }));
    expect(err).toMatchObject({ retryable: true, retryAfterSeconds: 2 });
    expect(err.message).toContain("limit exceeded");
  });

  it("treats a server error as retryable", async () => {
    const { url } = hookUrl("unavailable");
    const err = await failure(send({ type: "mattermost", webhookUrl: url }));
    expect(err.retryable).toBe(true);
    expect(err.message).toContain("HTTP 500");
  });

  it.each([
    ["a deleted or mistyped hook (400 Invalid webhook)", "unknown", "Invalid webhook."],
    ["a hook locked to another channel (403)", "locked", "not permitted"],
  ])("treats %s as permanent, with Mattermost's message", async (_name, prefix, text) => {
    const { url } = hookUrl(prefix);
    const err = await failure(send({ type: "mattermost", webhookUrl: url }));
    expect(err.retryable).toBe(false);
    expect(err.message).toContain(text);
  });

  it("is configured with the incoming webhook URL and refuses anything else, saying which URL to use", () => {
    expect(fields.safeParse({ webhookUrl: "https://chat.example-hosting.nl/hooks/xi3kq8w1ypbzdcnm6ru7oaf5yw" }).success).toBe(true);
    expect(fields.safeParse({ webhookUrl: "https://example-hosting.nl/mattermost/hooks/xi3kq8w1ypbzdcnm6ru7oaf5yw" }).success).toBe(true);
    for (const webhookUrl of ["https://chat.example-hosting.nl/ops/channels/town-square", "https://chat.example-hosting.nl/hooks/", "ftp://chat.example-hosting.nl/hooks/abc"]) {
      const result = fields.safeParse({ webhookUrl });
      expect(result.success, webhookUrl).toBe(false);
    }
    const wrongPage = fields.safeParse({ webhookUrl: "https://chat.example-hosting.nl/ops/channels/town-square" });
    expect(wrongPage.error!.issues[0]!.message).toMatch(/ending in \/hooks\//);
  });
});
