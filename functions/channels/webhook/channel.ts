// A generic webhook for anything else: JSON, signed like Stripe's, so the receiver can check
// it came from us and is fresh: header `X-Outofband-Signature: t=<unix seconds>,v1=<hex>` where
// v1 = HMAC-SHA256(WEBHOOK_SIGNING_SECRET, `${t}.${body}`). Receivers reject a t older than
// five minutes (replay window) — see verifyWebhookSignature, which they may copy. The scheme
// lives in platform/webhook-signature.ts: subscriber webhooks are signed the same way.
import { signWebhook, WEBHOOK_SIGNATURE_HEADER } from "../../platform/webhook-signature";
import { httpUrl } from "../fields.pure";
import { callProvider } from "../http";
import { defineChannel, requireSecrets } from "../types";

export { signWebhook, verifyWebhookSignature, WEBHOOK_REPLAY_WINDOW_SECONDS, WEBHOOK_SIGNATURE_HEADER } from "../../platform/webhook-signature";

export const webhookChannel = defineChannel({
  type: "webhook",
  personal: false,
  provider: "webhook",
  settings: ["WEBHOOK_SIGNING_SECRET"],
  requiredSecrets: ["WEBHOOK_SIGNING_SECRET"],
  followsLifecycle: true,
  contactFields: { url: httpUrl },
  async send(ctx, method, msg) {
    requireSecrets(ctx.settings, "webhook", ["WEBHOOK_SIGNING_SECRET"]);
    const event = {
      page: "alert.triggered",
      fallback: "alert.triggered",
      acknowledge: "alert.acknowledged",
      resolve: "alert.resolved",
      digest: "alert.digest",
      followup: "report.followup",
    }[ctx.purpose];
    const body = JSON.stringify({
      id: ctx.deliveryId,
      event,
      alert: { id: msg.alertId, code: msg.ackCode, title: msg.title, component: msg.component, subject: msg.subject, report_count: msg.reportCount, first_report: msg.firstText, urgency: msg.urgency, ack_url: msg.ackUrl },
      text: msg.text,
    });
    const signature = await signWebhook(ctx.settings.WEBHOOK_SIGNING_SECRET, body, Math.floor(Date.now() / 1000));
    await callProvider(
      "webhook",
      method.url,
      { method: "POST", headers: { "content-type": "application/json", [WEBHOOK_SIGNATURE_HEADER]: signature, "X-Outofband-Delivery": ctx.deliveryId }, body },
      ctx.timeoutMs,
    );
    return { providerId: null };
  },
});
