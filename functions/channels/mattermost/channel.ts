// Mattermost incoming webhook: JSON {text, attachments} to https://<host>/hooks/<key>; answers
// 200 "ok" (text/plain). https://developers.mattermost.com/integrate/webhooks/incoming/
// A shared channel: a team's chat, so the page carries the alert and never the reporter's
// contact details. Reporter text is escaped (markdown.pure.ts): it cannot mention or link.
import { httpUrl } from "../fields.pure";
import { callProvider } from "../http";
import { truncate } from "../../platform/text.pure";
import { defineChannel } from "../types";
import { literalMarkdown, quote, withoutMentions } from "./markdown.pure";

/** Mattermost serves incoming webhooks at /hooks/{id:[A-Za-z0-9]+} (under its site URL). */
const HOOK_PATH = /\/hooks\/[A-Za-z0-9]+\/?$/;

export const mattermostChannel = defineChannel({
  type: "mattermost",
  personal: false,
  provider: "mattermost",
  settings: [],
  requiredSecrets: [],
  contactFields: {
    webhookUrl: httpUrl.refine((url) => HOOK_PATH.test(new URL(url).pathname), "Use the incoming webhook URL Mattermost shows, ending in /hooks/ and its key."),
  },
  async send(ctx, method, msg) {
    const payload = {
      text: `#### :rotating_light: ${literalMarkdown(msg.title)}\n${msg.reports}. [Acknowledge](${msg.ackUrl}) (opens a confirmation page) · code ${msg.ackCode}`,
      attachments: [
        {
          // Shown where attachments are not (notifications, older clients): plain text.
          fallback: withoutMentions(msg.text),
          color: "#D92D20",
          title: "Acknowledge",
          title_link: msg.ackUrl,
          text: `The first report says:\n${quote(truncate(msg.firstText, 1000))}`,
          fields: [
            { short: true, title: "What", value: literalMarkdown(msg.what) },
            { short: true, title: "Urgency", value: literalMarkdown(msg.urgency) },
          ],
        },
      ],
    };
    await callProvider("mattermost", method.webhookUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(payload) }, ctx.timeoutMs);
    return { providerId: null };
  },
});
