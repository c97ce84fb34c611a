// Telegram Bot API: POST /bot<token>/sendMessage -> {ok: true, result: Message}.
import type { ProviderFake } from "../../../test/fakes/types";

export const telegramFake: ProviderFake = {
  name: "telegram",
  prefix: "/telegram",
  respond(req) {
    if (!/^\/bot[^/]+\/sendMessage/.test(req.path)) return { status: 404, body: { ok: false, error_code: 404, description: "Not Found" } };
    const body = JSON.parse(req.body) as { chat_id: string; text: string };
    return { status: 200, body: { ok: true, result: { message_id: 4711, chat: { id: body.chat_id }, date: Math.floor(Date.now() / 1000), text: body.text } } };
  },
};
