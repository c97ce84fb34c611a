// Telegram Bot API: POST /bot<token>/sendMessage -> {ok: true, result: Message}; the canary's
// read-only GET /bot<token>/getMe -> {ok, result: User} and GET /bot<token>/getChat?chat_id= ->
// {ok, result: ChatFullInfo}. Errors as Telegram sends them: 401 "Unauthorized" for a token
// containing "revoked", 400 "Bad Request: chat not found" for chat ids ending in 404.
import type { ProviderFake } from "../../../test/fakes/types";

export const telegramFake: ProviderFake = {
  name: "telegram",
  prefix: "/telegram",
  respond(req) {
    const url = new URL(req.path, "http://telegram.fake");
    if (url.pathname.includes("revoked")) return { status: 401, body: { ok: false, error_code: 401, description: "Unauthorized" } };
    if (/^\/bot[^/]+\/getMe$/.test(url.pathname)) {
      return { status: 200, body: { ok: true, result: { id: 7000000001, is_bot: true, first_name: "Example Hosting on-call", username: "example_oncall_bot", can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false } } };
    }
    if (/^\/bot[^/]+\/getChat$/.test(url.pathname)) {
      const chatId = url.searchParams.get("chat_id") ?? "";
      if (!chatId || chatId.endsWith("404")) return { status: 400, body: { ok: false, error_code: 400, description: "Bad Request: chat not found" } };
      return { status: 200, body: { ok: true, result: { id: Number(chatId) || 0, type: "private", first_name: "On-call", accent_color_id: 0, max_reaction_count: 11 } } };
    }
    if (!/^\/bot[^/]+\/sendMessage/.test(url.pathname)) return { status: 404, body: { ok: false, error_code: 404, description: "Not Found" } };
    const body = JSON.parse(req.body) as { chat_id: string; text: string };
    return { status: 200, body: { ok: true, result: { message_id: 4711, chat: { id: body.chat_id }, date: Math.floor(Date.now() / 1000), text: body.text } } };
  },
};
