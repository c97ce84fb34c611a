// Slack incoming webhook: JSON {text, blocks}; answers 200 "ok".
// https://api.slack.com/messaging/webhooks
import { httpUrl } from "../fields.pure";
import { callProvider } from "../http";
import { defineChannel } from "../types";

export const slackChannel = defineChannel({
  type: "slack",
  personal: false,
  provider: "slack",
  settings: [],
  requiredSecrets: [],
  contactFields: { webhookUrl: httpUrl },
  async send(ctx, method, msg) {
    const payload = {
      text: msg.text,
      blocks: [
        { type: "section", text: { type: "mrkdwn", text: `*${msg.title}*\n${msg.reports}. ${msg.firstLabel}: ${msg.firstText.slice(0, 500)}` } },
        { type: "actions", elements: [{ type: "button", text: { type: "plain_text", text: "Acknowledge" }, url: msg.ackUrl, style: "danger" }] },
      ],
    };
    await callProvider("slack", method.webhookUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(payload) }, ctx.timeoutMs);
    return { providerId: null };
  },
});
