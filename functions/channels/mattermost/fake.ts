// Mattermost's incoming webhooks as its server answers them (server/channels/web/webhook.go,
// app/webhook.go, app/ratelimit.go): POST /hooks/{id:[A-Za-z0-9]+} with JSON answers 200 "ok"
// as text/plain; failures are an AppError {id, message, detailed_error, request_id,
// status_code}; the rate limiter answers 429 "limit exceeded" with Retry-After.
// The hook key picks the answer, as Turnstile's test keys do (keys are letters and digits):
//   ratelimited...  429 from the rate limiter (Retry-After: 2)
//   unavailable...  500, the server cannot reach its database
//   unknown...      400 "Invalid webhook." (deleted or mistyped key)
//   locked...       403, the hook is locked to another channel
//   anything else   200 "ok" when the body has text or attachments
import type { ProviderFake, ScriptedResponse } from "../../../test/fakes/types";

const HOOK = /^\/hooks\/([A-Za-z0-9]+)$/;

function appError(status: number, id: string, message: string, detailed = ""): ScriptedResponse {
  return {
    status,
    body: { id, message, detailed_error: detailed, request_id: crypto.randomUUID().replaceAll("-", "").slice(0, 26), status_code: status },
  };
}

export const mattermostFake: ProviderFake = {
  name: "mattermost",
  prefix: "/mattermost",
  respond(req) {
    const key = HOOK.exec(req.path.split("?")[0]!)?.[1];
    if (!key) return appError(404, "api.context.404.app_error", "Sorry, we could not find the page.", `There doesn't appear to be an api call for the url='${req.path}'.`);
    // gorilla/mux answers a known path with the wrong method with an empty 405.
    if (req.method !== "POST") return { status: 405, body: "" };
    if (key.startsWith("ratelimited")) {
      return {
        status: 429,
        body: "limit exceeded\n",
        headers: { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff", "x-ratelimit-limit": "10", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "2", "retry-after": "2" },
      };
    }
    let payload: { text?: unknown; attachments?: unknown };
    try {
      payload = JSON.parse(req.body) as typeof payload;
    } catch (err) {
      return appError(400, "model.incoming_hook.parse_data.app_error", "Unable to parse incoming data.", String(err));
    }
    if (!payload.text && !payload.attachments) return appError(400, "web.incoming_webhook.text.app_error", "No text specified.");
    if (key.startsWith("unknown")) return appError(400, "web.incoming_webhook.invalid.app_error", "Invalid webhook.", "resource: IncomingWebhook id: " + key);
    if (key.startsWith("unavailable")) return appError(500, "app.channel.get.find.app_error", "We encountered an error finding the channel.", "dial tcp 10.0.0.5:5432: connect: connection refused");
    if (key.startsWith("locked")) return appError(403, "web.incoming_webhook.channel_locked.app_error", "This webhook is not permitted to post to the requested channel.");
    return { status: 200, body: "ok" };
  },
};
