// ntfy: JSON publish to the server root answers the message event.
import type { ProviderFake } from "../../../test/fakes/types";

export const ntfyFake: ProviderFake = {
  name: "ntfy",
  prefix: "/ntfy",
  respond(req) {
    if (req.method !== "POST") return { status: 405, body: { code: 40501, http: 405, error: "method not allowed" } };
    const body = JSON.parse(req.body) as { topic: string; message: string };
    return { status: 200, body: { id: "hwQ2YpKdmg", time: Math.floor(Date.now() / 1000), event: "message", topic: body.topic, message: body.message } };
  },
};
