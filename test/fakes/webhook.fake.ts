// A customer's generic webhook receiver: 204 on any POST.
import type { ProviderFake } from "./types";

export const webhookFake: ProviderFake = {
  name: "webhook",
  prefix: "/webhook",
  respond: (req) => (req.method === "POST" ? { status: 204 } : { status: 405 }),
};
