// Discord webhook: JSON {content, embeds}; with ?wait=true it answers the message (with id).
// 429 carries Retry-After and {retry_after} in seconds.
import { httpUrl } from "../fields.pure";
import { callProvider } from "../http";
import { truncate } from "../../platform/text.pure";
import { defineChannel } from "../types";

export const discordChannel = defineChannel({
  type: "discord",
  personal: false,
  provider: "discord",
  settings: [],
  requiredSecrets: [],
  contactFields: { webhookUrl: httpUrl },
  async send(ctx, method, msg) {
    const url = new URL(method.webhookUrl);
    url.searchParams.set("wait", "true");
    const payload = {
      content: msg.text,
      allowed_mentions: { parse: [] },
      // Discord refuses (400) an embed title over 256 characters.
      embeds: [{ title: truncate(msg.title, 256), description: msg.firstText.slice(0, 2000), url: msg.ackUrl, color: 0xd92d20 }],
    };
    const res = await callProvider(
      "discord",
      url.toString(),
      { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(payload) },
      ctx.timeoutMs,
      (json) => {
        const s = (json as { retry_after?: unknown } | null)?.retry_after;
        return typeof s === "number" ? Math.ceil(s) : null;
      },
    );
    const id = (res.json as { id?: unknown } | null)?.id;
    return { providerId: typeof id === "string" ? id : null };
  },
});
