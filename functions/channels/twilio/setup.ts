// The doctor's question to Twilio: do the numbers' webhooks point at this Worker? Calls and SMS
// to the hotline, and on-call people's SMS replies to pages, reach us only if the number's
// voice URL, SMS URL and status callback are ours (set in the Twilio console or the API).
// Asked through the IncomingPhoneNumbers list resource, filtered by PhoneNumber:
// https://www.twilio.com/docs/phone-numbers/api/incomingphonenumber-resource
import { basicAuth, callProvider, trimSlash } from "../http";
import type { SetupContext, SetupFinding } from "../types";

type Setting = "TWILIO_API_BASE" | "TWILIO_ACCOUNT_SID" | "TWILIO_AUTH_TOKEN" | "TWILIO_FROM";

/** The fields of an IncomingPhoneNumber the check reads (Twilio sends many more). */
interface IncomingNumber {
  phone_number?: string;
  voice_url?: string | null;
  voice_method?: string | null;
  voice_application_sid?: string | null;
  trunk_sid?: string | null;
  sms_url?: string | null;
  sms_method?: string | null;
  sms_application_sid?: string | null;
  status_callback?: string | null;
  capabilities?: { voice?: boolean; sms?: boolean };
}

/** What each number is for: the hotline takes calls and SMS; the paging number takes replies. */
type Role = "hotline" | "paging";

export function expectedHooks(publicUrl: string) {
  const base = trimSlash(publicUrl);
  return { voice: `${base}/hooks/twilio/voice`, sms: `${base}/hooks/twilio/sms`, status: `${base}/hooks/twilio/call-status` };
}

/** Findings for one number as Twilio describes it (pure: the request is made by the caller). */
export function judgeNumber(number: string, roles: Role[], n: IncomingNumber | null, publicUrl: string): SetupFinding[] {
  if (!n) return [{ verdict: "fail", text: `${number} is not a phone number of this Twilio account (TWILIO_ACCOUNT_SID): calls and SMS to it never reach this Worker.` }];
  const hooks = expectedHooks(publicUrl);
  const findings: SetupFinding[] = [];
  const hotline = roles.includes("hotline");
  const smsVerdict = hotline ? "fail" : "warn";
  const smsWhy = hotline ? "customers' SMS and on-call replies are lost" : 'on-call replies "4" to pages are lost (the link in each page still acknowledges)';
  if (hotline) {
    if (n.capabilities?.voice === false) findings.push({ verdict: "fail", text: `${number} cannot receive calls (no voice capability).` });
    if (n.voice_application_sid) findings.push({ verdict: "fail", text: `Calls to ${number} go to the TwiML app ${n.voice_application_sid}, not to ${hooks.voice}.` });
    else if (n.trunk_sid) findings.push({ verdict: "fail", text: `Calls to ${number} go to the SIP trunk ${n.trunk_sid}, not to ${hooks.voice}.` });
    else if (n.voice_url !== hooks.voice || (n.voice_method ?? "POST").toUpperCase() !== "POST") {
      findings.push({ verdict: "fail", text: `The voice webhook of ${number} is ${n.voice_url ? `${n.voice_method ?? "POST"} ${n.voice_url}` : "not set"}: set it to POST ${hooks.voice}, or calls to the hotline reach nobody.` });
    }
    if (n.status_callback !== hooks.status) {
      findings.push({
        verdict: "warn",
        text: `The call status callback of ${number} is ${n.status_callback || "not set"}: set it to ${hooks.status}, or a caller who hangs up during the greeting is reported only after about five minutes.`,
      });
    }
  }
  if (n.sms_application_sid) findings.push({ verdict: smsVerdict, text: `SMS to ${number} go to the messaging app ${n.sms_application_sid}, not to ${hooks.sms}: ${smsWhy}.` });
  else if (n.sms_url !== hooks.sms || (n.sms_method ?? "POST").toUpperCase() !== "POST") {
    findings.push({ verdict: smsVerdict, text: `The SMS webhook of ${number} is ${n.sms_url ? `${n.sms_method ?? "POST"} ${n.sms_url}` : "not set"}: set it to POST ${hooks.sms}, or ${smsWhy}.` });
  }
  return findings;
}

export async function checkTwilioSetup(ctx: SetupContext<Setting>): Promise<SetupFinding[]> {
  const s = ctx.settings;
  if (!s.TWILIO_ACCOUNT_SID || !s.TWILIO_AUTH_TOKEN) {
    return ctx.hotline
      ? [{ verdict: "warn", text: `The hotline ${ctx.hotline} (site.config.ts) cannot be checked: TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are not set, so calls and SMS to a Twilio number do not reach this Worker.` }]
      : [];
  }
  const roles = new Map<string, Role[]>();
  if (ctx.hotline) roles.set(ctx.hotline, ["hotline"]);
  if (s.TWILIO_FROM) roles.set(s.TWILIO_FROM, [...(roles.get(s.TWILIO_FROM) ?? []), "paging"]);
  const findings: SetupFinding[] = [];
  for (const [number, numberRoles] of roles) {
    const url = `${trimSlash(s.TWILIO_API_BASE)}/2010-04-01/Accounts/${encodeURIComponent(s.TWILIO_ACCOUNT_SID)}/IncomingPhoneNumbers.json?PhoneNumber=${encodeURIComponent(number)}`;
    try {
      const res = await callProvider("twilio", url, { headers: { authorization: basicAuth(s.TWILIO_ACCOUNT_SID, s.TWILIO_AUTH_TOKEN) } }, ctx.timeoutMs);
      const list = (res.json as { incoming_phone_numbers?: IncomingNumber[] } | null)?.incoming_phone_numbers ?? [];
      findings.push(...judgeNumber(number, numberRoles, list.find((n) => n.phone_number === number) ?? list[0] ?? null, ctx.publicUrl));
    } catch (err) {
      findings.push({ verdict: "warn", text: `Twilio could not be asked how ${number} is set up: ${err instanceof Error ? err.message : String(err)}`, unchecked: true });
    }
  }
  return findings;
}
