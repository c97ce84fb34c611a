// Email through Cloudflare Email Sending (the send_email binding). Locally the mail is written
// to files under .wrangler/tmp; nothing leaves the machine.
import * as z from "zod";
import { html } from "../../platform/html";
import { ChannelError, defineChannel } from "../types";
import { checkEmailSilently } from "./silent-check";

/** Refusals that will not change by trying again: the person's next contact method is tried
 * at once. Cloudflare puts an address that bounced on its suppression list, so a dead mailbox
 * answers the next page with E_RECIPIENT_SUPPRESSED. Everything else is retried. */
const PERMANENT = new Set(["E_RECIPIENT_SUPPRESSED", "E_RECIPIENT_NOT_ALLOWED", "E_VALIDATION_ERROR", "E_FIELD_MISSING", "E_SENDER_NOT_VERIFIED", "E_SENDER_DOMAIN_NOT_AVAILABLE"]);

/** Names the delivery in every page mail: a bounce that quotes our headers finds its page
 * (functions/email/bounces.ts). */
export const DELIVERY_HEADER = "X-Outofband-Delivery";

export const emailChannel = defineChannel({
  type: "email",
  personal: true,
  provider: "email",
  settings: ["EMAIL", "MAIL_FROM"],
  requiredSecrets: [],
  contactFields: { address: z.email() },
  async send({ settings, deliveryId }, method, msg) {
    const body = html`<p><strong>${msg.title}</strong></p>
<p>${msg.reports}. ${msg.firstLabel}:</p>
<blockquote>${msg.firstText}</blockquote>
<p><a href="${msg.ackUrl}">Acknowledge this alert</a> (opens a confirmation page).</p>
<p>Alert ${msg.alertId}, code ${msg.ackCode}.</p>`;
    try {
      const result = await settings.EMAIL.send({
        to: method.address,
        from: settings.MAIL_FROM,
        subject: `[${msg.ackCode}] ${msg.title}`,
        text: `${msg.text}\n\n${msg.firstLabel}, in full:\n${msg.firstText}\n\nAlert ${msg.alertId}.`,
        html: body.toString(),
        // Auto-Submitted keeps out-of-office responders from answering a page (RFC 3834);
        // the delivery id and the returned Message-ID (stored as the provider id) let a reply
        // or a bounce find this page.
        headers: { "Auto-Submitted": "auto-generated", [DELIVERY_HEADER]: deliveryId },
      });
      return { providerId: result?.messageId ?? null };
    } catch (err) {
      const code = (err as { code?: unknown } | null)?.code;
      throw new ChannelError(`email: ${typeof code === "string" ? `${code}: ` : ""}${err instanceof Error ? err.message : String(err)}`, !(typeof code === "string" && PERMANENT.has(code)));
    }
  },
  silentCheck: { describe: "send_email to the round-trip canary address", perMethod: false, run: (ctx) => checkEmailSilently(ctx) },
});
