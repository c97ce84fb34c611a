// Email through Cloudflare Email Sending (the send_email binding). Locally the mail is written
// to files under .wrangler/tmp; nothing leaves the machine.
import { z } from "zod";
import { html } from "../../platform/html";
import { ChannelError, defineChannel } from "../types";

export const emailChannel = defineChannel({
  type: "email",
  personal: true,
  provider: "email",
  settings: ["EMAIL", "MAIL_FROM"],
  requiredSecrets: [],
  contactFields: { address: z.email() },
  async send({ settings }, method, msg) {
    const body = html`<p><strong>${msg.title}</strong></p>
<p>${msg.reportCount} report${msg.reportCount === 1 ? "" : "s"} so far. The first one says:</p>
<blockquote>${msg.firstText}</blockquote>
<p><a href="${msg.ackUrl}">Acknowledge this alert</a> (opens a confirmation page).</p>
<p>Alert ${msg.alertId}, code ${msg.ackCode}.</p>`;
    try {
      const result = await settings.EMAIL.send({
        to: method.address,
        from: settings.MAIL_FROM,
        subject: `[${msg.ackCode}] ${msg.title}`,
        text: `${msg.text}\n\nFirst report in full:\n${msg.firstText}\n\nAlert ${msg.alertId}.`,
        html: body.toString(),
      });
      return { providerId: result?.messageId ?? null };
    } catch (err) {
      // The binding throws on bad addresses/unverified destinations as well as outages; only
      // the former are certain to fail again, and we cannot tell them apart reliably.
      throw new ChannelError(`email: ${err instanceof Error ? err.message : String(err)}`, true);
    }
  },
});
