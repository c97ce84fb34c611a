// Teams Workflows webhook (Power Automate): 202 Accepted, empty body.
import type { ProviderFake } from "../../../test/fakes/types";

export const teamsFake: ProviderFake = {
  name: "teams",
  prefix: "/teams",
  respond: (req) => (req.method === "POST" ? { status: 202, body: "" } : { status: 405, body: "" }),
};
