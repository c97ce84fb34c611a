// The doctor's input from the Worker's own environment: its secrets and vars, what each
// channel declares (provider, required secrets), the site's urgent address and the inbound-email
// intake addresses (EMAIL_INTAKE).
import { readEmailIntake } from "../../contract/email-intake";
import { siteConfig } from "../../site.config";
import { channelKinds } from "../channels/registry";
import type { DoctorInput } from "./doctor";
import type { StoredConfig } from "./queries";

/** A comma-separated address list from a var; undefined when the var does not exist. */
function splitAddresses(value: unknown): string[] | undefined {
  if (typeof value !== "string") return undefined;
  return value.split(",").map((a) => a.trim()).filter(Boolean);
}

export function doctorInputFromEnv(env: Env, stored: StoredConfig | null | { error: string }, now: Date): DoctorInput {
  const emailIntake = readEmailIntake(env.EMAIL_INTAKE);
  return {
    config: stored === null ? null : "error" in stored ? stored : stored.config,
    configVersion: stored !== null && "version" in stored ? stored.version : null,
    env: env as unknown as Record<string, unknown>,
    channels: channelKinds,
    intakeAddresses: [...new Set([siteConfig.contacts.urgentEmail, ...emailIntake.entries.map((e) => e.address)].filter(Boolean))],
    emailIntake,
    urgentEmail: siteConfig.contacts.urgentEmail,
    fallbackAddresses: splitAddresses((env as unknown as Record<string, unknown>).FALLBACK_PAGE_TO),
    production: env.ENVIRONMENT === "production",
    now,
  };
}
