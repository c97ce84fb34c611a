// A customer's generic webhook receiver: 204 on any POST; under /webhook/slow/ it takes two
// seconds (a sluggish receiver, without scripting a shared fake).
import type { ProviderFake } from "../../../test/fakes/types";

export const webhookFake: ProviderFake = {
  name: "webhook",
  prefix: "/webhook",
  respond: (req) => (req.method !== "POST" ? { status: 405 } : req.path.startsWith("/slow/") ? { status: 204, delayMs: 2000 } : { status: 204 }),
};
