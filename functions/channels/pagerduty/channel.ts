// PagerDuty Events API v2, for teams already on PagerDuty: dedup_key is the alert id, so the
// trigger, acknowledge and resolve of one alert are one PagerDuty incident.
// https://developer.pagerduty.com/docs/events-api-v2/trigger-events/
import { z } from "zod";
import { callProvider } from "../http";
import { defineChannel } from "../types";

// Digests and follow-up notices are not sent to PagerDuty (it would page: see alerts/digest.ts);
// should one be, it updates the same incident (same dedup_key) rather than opening another.
const actions = { page: "trigger", fallback: "trigger", acknowledge: "acknowledge", resolve: "resolve", digest: "trigger", followup: "trigger" } as const;

export const pagerdutyChannel = defineChannel({
  type: "pagerduty",
  personal: false,
  provider: "pagerduty",
  settings: ["PAGERDUTY_EVENTS_URL", "PUBLIC_URL"],
  requiredSecrets: [],
  followsLifecycle: true,
  contactFields: { routingKey: z.string().regex(/^[A-Za-z0-9]{32}$/) },
  async send(ctx, method, msg) {
    const eventAction = actions[ctx.purpose];
    const payload: Record<string, unknown> = { routing_key: method.routingKey, event_action: eventAction, dedup_key: msg.alertId };
    if (eventAction === "trigger") {
      payload.payload = {
        summary: msg.text.slice(0, 1024),
        source: new URL(ctx.settings.PUBLIC_URL).host,
        severity: msg.urgency === "normal" ? "warning" : "critical",
        component: msg.component ?? undefined,
        custom_details: { reports: msg.reportCount, first_report: msg.firstText, ack_code: msg.ackCode },
      };
      payload.links = [{ href: msg.ackUrl, text: "Acknowledge on the status site" }];
    }
    const res = await callProvider("pagerduty", ctx.settings.PAGERDUTY_EVENTS_URL, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(payload) }, ctx.timeoutMs);
    const key = (res.json as { dedup_key?: unknown } | null)?.dedup_key;
    return { providerId: typeof key === "string" ? key : msg.alertId };
  },
});
