// The doctor's input from the Worker's own environment: its secrets and vars, what each
// channel declares (provider, required secrets), and the site's intake address.
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
  return {
    config: stored === null ? null : "error" in stored ? stored : stored.config,
    configVersion: stored !== null && "version" in stored ? stored.version : null,
    env: env as unknown as Record<string, unknown>,
    channels: channelKinds,
    intakeAddresses: [siteConfig.contacts.urgentEmail].filter(Boolean),
    fallbackAddresses: splitAddresses((env as unknown as Record<string, unknown>).FALLBACK_PAGE_TO),
    production: env.ENVIRONMENT === "production",
    now,
  };
}
