// Telegram Bot API sendMessage with an inline "Acknowledge" URL button.
// https://core.telegram.org/bots/api#sendmessage; 429 carries parameters.retry_after.
import { callProvider, trimSlash } from "./http";
import { requireSecrets, type ChannelAdapter } from "./types";

export const telegramChannel: ChannelAdapter<"telegram"> = {
  type: "telegram",
  requiredSecrets: ["TELEGRAM_BOT_TOKEN"],
  async send(ctx, method, msg) {
    requireSecrets(ctx.env, "telegram", ["TELEGRAM_BOT_TOKEN"]);
    const url = `${trimSlash(ctx.env.TELEGRAM_API_BASE)}/bot${ctx.env.TELEGRAM_BOT_TOKEN}/sendMessage`;
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
};
