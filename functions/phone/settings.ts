// The hotline's settings, read from the Worker's vars and secrets. Twilio's credentials are the
// paging channel's (functions/channels/twilio): one account, one auth token that signs every
// webhook, one number for the hotline and for SMS replies.
import { siteConfig } from "../../site.config";
import type { Config } from "../platform/config";

export interface PhoneSettings {
  accountSid: string;
  authToken: string;
  /** https://api.twilio.com, or the loopback fake / local stand-in. */
  apiBase: string;
  /** The hotline as shown on every page (site.config.ts contacts.phone), in E.164. */
  hotline: string | null;
  /** The longest voicemail, in seconds. Twilio transcribes recordings under 120 s only. */
  recordingMaxSeconds: number;
  /** Seconds of silence that end a voicemail. */
  silenceSeconds: number;
  /** "twilio": Twilio transcribes (transcribe="true"); "off": no transcription. */
  transcription: "twilio" | "off";
  /** How long the recording link in a page works. */
  linkTtlHours: number;
  /** Key of the per-call tokens in callback URLs. */
  tokenKey: string;
}

export const phoneDefaults = { recordingMaxSeconds: 119, silenceSeconds: 8 } as const;

/** "+31 20 123 4567" -> "+31201234567"; null when there is no number. */
export function e164Of(display: string): string | null {
  const digits = display.replace(/[^\d+]/g, "");
  return /^\+[1-9]\d{6,14}$/.test(digits) ? digits : null;
}

function seconds(value: unknown, fallback: number, max: number): number {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
  return Number.isInteger(n) && n >= 2 && n <= max ? n : fallback;
}

export function phoneSettings(env: Env, config: Pick<Config, "ackSigningKey" | "ackLinkTtlHours">): PhoneSettings {
  return {
    accountSid: env.TWILIO_ACCOUNT_SID ?? "",
    authToken: env.TWILIO_AUTH_TOKEN ?? "",
    apiBase: (env.TWILIO_API_BASE ?? "https://api.twilio.com").replace(/\/+$/, ""),
    hotline: e164Of(siteConfig.contacts.phone),
    recordingMaxSeconds: seconds(env.PHONE_RECORDING_MAX_SECONDS, phoneDefaults.recordingMaxSeconds, 14_400),
    silenceSeconds: seconds(env.PHONE_SILENCE_SECONDS, phoneDefaults.silenceSeconds, 60),
    transcription: env.PHONE_TRANSCRIPTION === "off" ? "off" : "twilio",
    linkTtlHours: config.ackLinkTtlHours,
    // The calls' tokens need a key that exists wherever the hotline works: the ack signing key,
    // or (a deployment without one) the Twilio auth token, which the hotline cannot work without.
    tokenKey: config.ackSigningKey || env.TWILIO_AUTH_TOKEN || "",
  };
}
