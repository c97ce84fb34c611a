// Twilio: SMS (Messages API) and voice (Calls API with TwiML), both form-encoded with basic
// auth. See https://www.twilio.com/docs/messaging/api/message-resource and
// https://www.twilio.com/docs/voice/api/call-resource.
import { escapeHtml } from "../../platform/html";
import { e164Number } from "../fields.pure";
import { basicAuth, callProvider, trimSlash } from "../http";
import { defineChannel, requireSecrets, type SendContext } from "../types";
import { checkTwilioSetup } from "./setup";
import { checkTwilioSilently } from "./silent-check";

const secrets = ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM"] as const;
const settings = ["TWILIO_API_BASE", ...secrets, "PUBLIC_URL"] as const;
type TwilioSetting = (typeof settings)[number];

async function twilioPost(ctx: SendContext<TwilioSetting>, resource: "Messages" | "Calls", form: Record<string, string>): Promise<string | null> {
  const s = ctx.settings;
  const url = `${trimSlash(s.TWILIO_API_BASE)}/2010-04-01/Accounts/${encodeURIComponent(s.TWILIO_ACCOUNT_SID)}/${resource}.json`;
  const res = await callProvider(
    resource === "Messages" ? "sms" : "voice",
    url,
    {
      method: "POST",
      headers: { authorization: basicAuth(s.TWILIO_ACCOUNT_SID, s.TWILIO_AUTH_TOKEN), "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form).toString(),
    },
    ctx.timeoutMs,
  );
  const sid = (res.json as { sid?: unknown } | null)?.sid;
  return typeof sid === "string" ? sid : null;
}

/** Where Twilio reports what became of a message or call (signed by Twilio, like every hook). */
export function statusCallbackUrl(publicUrl: string, deliveryId: string): string {
  return `${trimSlash(publicUrl)}/hooks/twilio/status/${encodeURIComponent(deliveryId)}`;
}

export const smsChannel = defineChannel({
  type: "sms",
  personal: true,
  provider: "twilio",
  settings,
  requiredSecrets: secrets,
  contactFields: { number: e164Number },
  async send(ctx, method, msg) {
    requireSecrets(ctx.settings, "sms", secrets);
    const form = { To: method.number, From: ctx.settings.TWILIO_FROM, Body: msg.text, StatusCallback: statusCallbackUrl(ctx.settings.PUBLIC_URL, ctx.deliveryId) };
    return { providerId: await twilioPost(ctx, "Messages", form) };
  },
  // One check for the provider (sms and voice share the number and the account).
  checkSetup: checkTwilioSetup,
  silentCheck: { describe: "Twilio account and sender number (read-only API)", perMethod: false, run: (ctx) => checkTwilioSilently(ctx, "sms") },
});

/** TwiML that reads the alert and asks for 4; the digit is posted to a signed webhook. */
export function voiceTwiml(publicUrl: string, msg: { what: string; reports: string; firstLabel: string; firstText: string; ackToken: string }): string {
  const action = `${trimSlash(publicUrl)}/hooks/twilio/voice/${msg.ackToken}`;
  const say = `Alert for ${msg.what}. ${msg.reports}. ${msg.firstLabel}: ${msg.firstText.slice(0, 300)}`;
  const x = escapeHtml;
  return (
    `<Response><Gather numDigits="1" timeout="10" method="POST" action="${x(action)}">` +
    `<Say>${x(say)}</Say><Say>Press 4 to acknowledge.</Say></Gather>` +
    `<Say>No key pressed. The alert is not acknowledged. Goodbye.</Say></Response>`
  );
}

export const voiceChannel = defineChannel({
  type: "voice",
  personal: true,
  provider: "twilio",
  settings,
  requiredSecrets: secrets,
  contactFields: { number: e164Number },
  async send(ctx, method, msg) {
    requireSecrets(ctx.settings, "voice", secrets);
    const twiml = voiceTwiml(ctx.settings.PUBLIC_URL, msg);
    const form = { To: method.number, From: ctx.settings.TWILIO_FROM, Twiml: twiml, StatusCallback: statusCallbackUrl(ctx.settings.PUBLIC_URL, ctx.deliveryId) };
    return { providerId: await twilioPost(ctx, "Calls", form) };
  },
  silentCheck: { describe: "Twilio account and sender number (read-only API)", perMethod: false, run: (ctx) => checkTwilioSilently(ctx, "voice") },
});
