// Telegram Bot API against its fake: sendMessage, its 429 (wait in the body), a missing token.
import { describe, expect, it } from "vitest";
import { failure, message, requestsFor, script, send } from "../../../test/channels/helpers";

describe("telegram channel", () => {
  it("calls sendMessage with an inline Acknowledge URL button", async () => {
    const msg = message();
    const { result } = await send({ type: "telegram", chatId: "-100123456" }, msg);
    const [req] = await requestsFor("telegram", msg.alertId);
    expect(req!.path).toBe("/bot123456:TEST-token/sendMessage");
    const body = JSON.parse(req!.body);
    expect(body).toMatchObject({ chat_id: "-100123456", text: msg.text, reply_markup: { inline_keyboard: [[{ text: "Acknowledge", url: msg.ackUrl }]] } });
    expect(result.providerId).toBe("4711");
  });

  it("treats a 429 with the wait in the body (parameters.retry_after) as retryable after that wait", async () => {
    const msg = message();
    await script("telegram", msg.alertId, [{ status: 429, body: { ok: false, error_code: 429, description: "Too Many Requests: retry after 7", parameters: { retry_after: 7 } } }]);
    const err = await failure(send({ type: "telegram", chatId: "12345" }, msg));
    expect(err).toMatchObject({ retryable: true, retryAfterSeconds: 7 });
  });

  it("fails for good without its bot token, naming the secret", async () => {
    const err = await failure(send({ type: "telegram", chatId: "12345" }, message(), { settings: { TELEGRAM_BOT_TOKEN: "" } }));
    expect(err.retryable).toBe(false);
    expect(err.message).toContain("TELEGRAM_BOT_TOKEN");
  });
});
