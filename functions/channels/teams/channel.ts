// Microsoft Teams through a Workflows ("When a Teams webhook request is received") webhook:
// a message with one Adaptive Card attachment; answers 202.
import { httpUrl } from "../fields.pure";
import { callProvider } from "../http";
import { defineChannel } from "../types";

export const teamsChannel = defineChannel({
  type: "teams",
  personal: false,
  provider: "teams",
  settings: [],
  requiredSecrets: [],
  contactFields: { webhookUrl: httpUrl },
  async send(ctx, method, msg) {
    const card = {
      $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
      type: "AdaptiveCard",
      version: "1.4",
      body: [
        { type: "TextBlock", text: msg.title, weight: "Bolder", size: "Medium", wrap: true, color: "Attention" },
        { type: "TextBlock", text: `${msg.reports}. ${msg.firstLabel}: ${msg.firstText.slice(0, 1000)}`, wrap: true },
      ],
      actions: [{ type: "Action.OpenUrl", title: "Acknowledge", url: msg.ackUrl }],
    };
    const payload = { type: "message", attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: card }] };
    await callProvider("teams", method.webhookUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(payload) }, ctx.timeoutMs);
    return { providerId: null };
  },
});
