// Telegram Bot API sendMessage with an inline "Acknowledge" URL button.
// https://core.telegram.org/bots/api#sendmessage; 429 carries parameters.retry_after.
import * as z from "zod";
import { callProvider, trimSlash } from "../http";
import { defineChannel, requireSecrets } from "../types";
import { checkTelegramSilently } from "./silent-check";

export const telegramChannel = defineChannel({
  type: "telegram",
  personal: true,
  provider: "telegram",
  settings: ["TELEGRAM_API_BASE", "TELEGRAM_BOT_TOKEN"],
  requiredSecrets: ["TELEGRAM_BOT_TOKEN"],
  contactFields: { chatId: z.string().regex(/^-?\d{1,20}$|^@\w{5,32}$/) },
  async send(ctx, method, msg) {
    requireSecrets(ctx.settings, "telegram", ["TELEGRAM_BOT_TOKEN"]);
    const url = `${trimSlash(ctx.settings.TELEGRAM_API_BASE)}/bot${ctx.settings.TELEGRAM_BOT_TOKEN}/sendMessage`;
    const payload = {
      chat_id: method.chatId,
      text: msg.text,
      link_preview_options: { is_disabled: true },
      reply_markup: { inline_keyboard: [[{ text: "Acknowledge", url: msg.ackUrl }]] },
    };
    const res = await callProvider(
      "telegram",
      url,
      { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(payload) },
      ctx.timeoutMs,
      (json) => {
        const s = (json as { parameters?: { retry_after?: unknown } } | null)?.parameters?.retry_after;
        return typeof s === "number" ? s : null;
      },
    );
    const id = (res.json as { result?: { message_id?: unknown } } | null)?.result?.message_id;
    return { providerId: id === undefined || id === null ? null : String(id) };
  },
  silentCheck: { describe: "Telegram getMe + getChat (read-only)", perMethod: true, run: (ctx, method) => checkTelegramSilently(ctx, method.chatId) },
});
