// A subscriber's own webhook receiver (functions/subscribers): it answers our verification
// ping with its challenge, as the subscribe page asks, and deliveries with 204. Paths choose
// other receivers: /subscriber-hook/no-echo/ answers 204 without the challenge (a receiver
// that never read the docs), /subscriber-hook/text-echo/ echoes the challenge as plain text,
// /subscriber-hook/gone/ answers 410 to everything (an endpoint taken down).
import type { ProviderFake } from "./types";

export const subscriberHookFake: ProviderFake = {
  name: "subscriber-hook",
  prefix: "/subscriber-hook",
  respond(req) {
    if (req.method !== "POST") return { status: 405 };
    if (req.path.startsWith("/gone/")) return { status: 410, body: "gone" };
    let body: { type?: string; challenge?: string } = {};
    try {
      body = JSON.parse(req.body) as typeof body;
    } catch {
      return { status: 400, body: "not JSON" };
    }
    if (body.type === "subscription.verify" && !req.path.startsWith("/no-echo/")) {
      return req.path.startsWith("/text-echo/") ? { status: 200, body: body.challenge ?? "" } : { status: 200, body: { challenge: body.challenge } };
    }
    return { status: 204 };
  },
};
