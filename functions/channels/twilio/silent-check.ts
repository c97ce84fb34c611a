// The path canary's check of SMS and voice pages, which wakes nobody: Twilio's read-only API
// says the account is active (the credentials work and it is not suspended) and the sender
// number TWILIO_FROM belongs to it with the capability the page needs.
//   GET /2010-04-01/Accounts/{Sid}.json                https://www.twilio.com/docs/iam/api/account
//   GET .../IncomingPhoneNumbers.json?PhoneNumber=...  https://www.twilio.com/docs/phone-numbers/api/incomingphonenumber-resource
// The destination number is not asked (Twilio's Lookup is billed per request); a wrong number
// shows in the delivery status of the weekly human-path check.
import { basicAuth, callProvider, trimSlash } from "../http";
import { ChannelError, requireSecrets, type SilentCheckContext, type SilentCheckResult } from "../types";

type Setting = "TWILIO_API_BASE" | "TWILIO_ACCOUNT_SID" | "TWILIO_AUTH_TOKEN" | "TWILIO_FROM" | "PUBLIC_URL";

export async function checkTwilioSilently(ctx: SilentCheckContext<Setting>, capability: "sms" | "voice"): Promise<SilentCheckResult> {
  const s = ctx.settings;
  requireSecrets(s, capability, ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM"]);
  const auth = { authorization: basicAuth(s.TWILIO_ACCOUNT_SID, s.TWILIO_AUTH_TOKEN) };
  const accounts = `${trimSlash(s.TWILIO_API_BASE)}/2010-04-01/Accounts/${encodeURIComponent(s.TWILIO_ACCOUNT_SID)}`;
  const account = await callProvider(capability, `${accounts}.json`, { headers: auth }, ctx.timeoutMs);
  const status = (account.json as { status?: unknown } | null)?.status;
  if (status !== "active") throw new ChannelError(`${capability}: the Twilio account is ${typeof status === "string" ? status : "in an unknown state"}, not active: no SMS or call leaves it.`, false);
  const numbers = await callProvider(capability, `${accounts}/IncomingPhoneNumbers.json?PhoneNumber=${encodeURIComponent(s.TWILIO_FROM)}`, { headers: auth }, ctx.timeoutMs);
  const list = (numbers.json as { incoming_phone_numbers?: Array<{ phone_number?: string; capabilities?: Record<string, boolean> }> } | null)?.incoming_phone_numbers ?? [];
  const number = list.find((n) => n.phone_number === s.TWILIO_FROM);
  if (!number) throw new ChannelError(`${capability}: TWILIO_FROM ${s.TWILIO_FROM} is not a number of this Twilio account: pages cannot be sent from it.`, false);
  if (number.capabilities?.[capability] === false) throw new ChannelError(`${capability}: ${s.TWILIO_FROM} has no ${capability} capability.`, false);
  return { check: `Twilio account active and sender ${s.TWILIO_FROM} is its number with ${capability} (read-only API)`, detail: { account: "active", from: s.TWILIO_FROM } };
}
