// PagerDuty Events API v2: POST /v2/enqueue -> 202 {status, message, dedup_key}.
import type { ProviderFake } from "../../../test/fakes/types";

export const pagerdutyFake: ProviderFake = {
  name: "pagerduty",
  prefix: "/pagerduty",
  respond(req) {
    const body = JSON.parse(req.body || "{}") as { routing_key?: string; dedup_key?: string; event_action?: string };
    if (!body.routing_key || !body.event_action) return { status: 400, body: { status: "invalid event", message: "Event object is invalid", errors: ["'routing_key' is missing"] } };
    return { status: 202, body: { status: "success", message: "Event processed", dedup_key: body.dedup_key ?? "generated" } };
  },
};
