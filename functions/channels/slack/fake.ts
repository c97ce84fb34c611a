// Slack incoming webhook: 200 "ok" (text/plain).
import type { ProviderFake } from "../../../test/fakes/types";

export const slackFake: ProviderFake = {
  name: "slack",
  prefix: "/slack",
  respond: (req) => (req.method === "POST" ? { status: 200, body: "ok" } : { status: 405, body: "invalid_method" }),
};
