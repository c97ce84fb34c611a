// The path canary's settings, from the Worker's vars (wrangler.toml, "Assurance").
import type { ReportChannel } from "../../contract/reports";

export interface CanarySettings {
  /** A run every this many minutes (ASSURANCE_CANARY_MINUTES, default 15). */
  everyMinutes: number;
  /** The round-trip address: Email Routing delivers it back to this Worker. */
  mailTo: string;
  /** Who the synthetic reports say they are from: the canary itself, never a person. */
  reporterEmail: string;
  /** Twilio's "valid number" magic test number: a caller id no person has. */
  callerNumber: string;
  /** The client address the form and API see (TEST-NET-1: no real client has it). */
  clientAddress: string;
}

export const CANARY_DEFAULT_MINUTES = 15;
/** A probe's marker is honoured this long; a report that has not reached the fan-out by then
 * counts as a failure of its path. */
export const PROBE_LIFETIME_MINUTES = 10;

export function readCanarySettings(env: Env): CanarySettings {
  const minutes = Number(env.ASSURANCE_CANARY_MINUTES ?? "");
  const mailTo = (env.ASSURANCE_CANARY_MAIL ?? "").trim();
  return {
    everyMinutes: Number.isFinite(minutes) && minutes >= 1 ? Math.floor(minutes) : CANARY_DEFAULT_MINUTES,
    mailTo,
    reporterEmail: mailTo || "assurance-canary@example.com",
    callerNumber: "+15005550006",
    clientAddress: "192.0.2.1",
  };
}

/** Every intake path in the order they are driven. */
export const CANARY_PATHS = ["web", "api", "email", "sms", "phone", "x", "mastodon", "bluesky"] as const satisfies readonly ReportChannel[];
export type CanaryPath = (typeof CANARY_PATHS)[number];
