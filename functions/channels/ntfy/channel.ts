// ntfy: JSON publish to the server root, max priority, with an "http" action button that POSTs
// to the acknowledgement link (the phone acknowledges without opening a browser).
// https://docs.ntfy.sh/publish/#publish-as-json and #action-buttons
import * as z from "zod";
import { httpUrl } from "../fields.pure";
import { callProvider, trimSlash } from "../http";
import { defineChannel } from "../types";
import { checkNtfySilently } from "./silent-check";

export const ntfyChannel = defineChannel({
  type: "ntfy",
  personal: false,
  provider: "ntfy",
  settings: ["NTFY_SERVER", "NTFY_TOKEN"],
  requiredSecrets: [],
  contactFields: { topic: z.string().regex(/^[\w-]{1,64}$/), server: httpUrl.optional() },
  async send(ctx, method, msg) {
    const server = trimSlash(method.server ?? ctx.settings.NTFY_SERVER);
    const payload = {
      topic: method.topic,
      title: msg.title,
      message: msg.text,
      priority: 5,
      tags: ["rotating_light"],
      click: msg.ackUrl,
      actions: [{ action: "http", label: "Acknowledge", url: `${msg.ackUrl}?via=ntfy`, method: "POST", headers: { accept: "application/json" }, clear: true }],
    };
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (ctx.settings.NTFY_TOKEN) headers.authorization = `Bearer ${ctx.settings.NTFY_TOKEN}`;
    const res = await callProvider("ntfy", `${server}/`, { method: "POST", headers, body: JSON.stringify(payload) }, ctx.timeoutMs);
    const id = (res.json as { id?: unknown } | null)?.id;
    return { providerId: typeof id === "string" ? id : null };
  },
  silentCheck: { describe: "ntfy publish to the canary topic", perMethod: true, run: (ctx, method) => checkNtfySilently(ctx, method.server) },
});
