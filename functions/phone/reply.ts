// Staff replies to an SMS reporter, by SMS from the hotline number they texted (Twilio's
// Messages API: https://www.twilio.com/docs/messaging/api/message-resource). Never to a number
// that sent STOP (Twilio would refuse it with 21610, and the person asked us not to); Twilio's
// 429 and 5xx are tried again by the reply's queue job, any other refusal is final and shown
// to staff as the delivery's error. The inbox claims the reply before it calls this, so a
// repeated queue delivery never texts twice.
import { siteConfig } from "../../site.config";
import { basicAuth, callProvider } from "../channels/http";
import { ChannelError } from "../channels/types";
import { ReplyRetryLater, type ReplySender } from "../reports/replies";
import { isOptedOut } from "./queries";
import { phoneSettings } from "./settings";
import { callbackNumber, smsStaffReply } from "./words.pure";

const TWILIO_TIMEOUT_MS = 10_000;

export const smsReplySender: ReplySender = {
  channel: "sms",
  reach: (report) => callbackNumber(report.reporter.phone),
  async send(svc, report, reply) {
    const to = callbackNumber(report.reporter.phone);
    if (!to) throw new Error("the reporter's number cannot take an SMS");
    const s = phoneSettings(svc.channelSettings, svc.config);
    if (!s.accountSid || !s.authToken) throw new Error("Twilio is not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)");
    if (!s.hotline) throw new Error("no hotline number to send from (site.config.ts contacts.phone)");
    if (await isOptedOut(svc.db, to)) throw new Error(`${to} opted out of our SMS (STOP): the reply is on their private page only`);
    const body = smsStaffReply({ siteName: siteConfig.name, reference: report.reference, body: reply.body, staffName: reply.staffName, privateLink: reply.privateLink });
    try {
      const res = await callProvider(
        "Twilio",
        `${s.apiBase}/2010-04-01/Accounts/${encodeURIComponent(s.accountSid)}/Messages.json`,
        {
          method: "POST",
          headers: { authorization: basicAuth(s.accountSid, s.authToken), "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ To: to, From: s.hotline, Body: body }).toString(),
        },
        TWILIO_TIMEOUT_MS,
      );
      const sid = (res.json as { sid?: unknown } | null)?.sid;
      return { providerId: typeof sid === "string" ? sid : null };
    } catch (err) {
      if (err instanceof ChannelError && err.retryable) throw new ReplyRetryLater(err.message);
      throw err;
    }
  },
};
