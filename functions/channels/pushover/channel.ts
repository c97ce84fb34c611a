// Pushover emergency priority (2): repeats every `retry` seconds until acknowledged in the app
// or `expire` passes; the answer carries a receipt. https://pushover.net/api#priority
import * as z from "zod";
import { callProvider, trimSlash } from "../http";
import { defineChannel, requireSecrets } from "../types";
import { checkPushoverSilently } from "./silent-check";

export const pushoverChannel = defineChannel({
  type: "pushover",
  personal: true,
  provider: "pushover",
  settings: ["PUSHOVER_API_BASE", "PUSHOVER_APP_TOKEN"],
  requiredSecrets: ["PUSHOVER_APP_TOKEN"],
  contactFields: { userKey: z.string().regex(/^[A-Za-z0-9]{30}$/) },
  async send(ctx, method, msg) {
    requireSecrets(ctx.settings, "pushover", ["PUSHOVER_APP_TOKEN"]);
    const form = new URLSearchParams({
      token: ctx.settings.PUSHOVER_APP_TOKEN,
      user: method.userKey,
      title: msg.title.slice(0, 250),
      message: msg.text.slice(0, 1024),
      priority: "2",
      retry: "60",
      expire: "3600",
      url: msg.ackUrl,
      url_title: "Acknowledge",
      // Pushover POSTs here when the emergency notification is acknowledged in the app.
      callback: `${msg.ackUrl}?via=pushover`,
    });
    const res = await callProvider(
      "pushover",
      `${trimSlash(ctx.settings.PUSHOVER_API_BASE)}/1/messages.json`,
      { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form.toString() },
      ctx.timeoutMs,
    );
    const body = res.json as { receipt?: unknown; request?: unknown } | null;
    const id = body?.receipt ?? body?.request;
    return { providerId: typeof id === "string" ? id : null };
  },
  silentCheck: { describe: "Pushover users/validate (read-only)", perMethod: true, run: (ctx, method) => checkPushoverSilently(ctx, method.userKey) },
});
