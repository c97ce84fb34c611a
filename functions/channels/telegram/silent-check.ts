// The path canary's check of a Telegram page, which wakes nobody: getMe proves the bot token,
// getChat that the bot can still reach the person's chat (a chat that blocked the bot, or an
// id that changed, answers 400/403 here instead of losing the next page).
// https://core.telegram.org/bots/api#getme, https://core.telegram.org/bots/api#getchat
import { callProvider, trimSlash } from "../http";
import { requireSecrets, type SilentCheckContext, type SilentCheckResult } from "../types";

export async function checkTelegramSilently(ctx: SilentCheckContext<"TELEGRAM_API_BASE" | "TELEGRAM_BOT_TOKEN">, chatId: string): Promise<SilentCheckResult> {
  requireSecrets(ctx.settings, "telegram", ["TELEGRAM_BOT_TOKEN"]);
  const bot = `${trimSlash(ctx.settings.TELEGRAM_API_BASE)}/bot${ctx.settings.TELEGRAM_BOT_TOKEN}`;
  const me = await callProvider("telegram", `${bot}/getMe`, {}, ctx.timeoutMs);
  const username = (me.json as { result?: { username?: unknown } } | null)?.result?.username;
  await callProvider("telegram", `${bot}/getChat?chat_id=${encodeURIComponent(chatId)}`, {}, ctx.timeoutMs);
  return { check: "Telegram getMe + getChat (read-only)", detail: { bot: typeof username === "string" ? username : null } };
}
