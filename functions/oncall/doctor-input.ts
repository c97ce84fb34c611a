// The doctor's input from the Worker's own environment: its secrets and vars, what each
// channel declares (provider, required secrets), the site's urgent address and the inbound-email
// intake addresses (EMAIL_INTAKE).
import { readEmailIntake } from "../../contract/email-intake";
import { siteConfig } from "../../site.config";
import { channelKinds, providerSetupChecks } from "../channels/registry";
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

/** How long the doctor waits for one provider's answer. */
const SETUP_CHECK_TIMEOUT_MS = 8_000;

/** "+31 20 123 4567" -> "+31201234567" (null when it is not a number). */
function e164(display: string): string | null {
  const digits = display.replace(/[^\d+]/g, "");
  return /^\+[1-9]\d{6,14}$/.test(digits) ? digits : null;
}

/**
 * Asks each provider whether it is set up to reach this Worker (Twilio: the numbers' voice and
 * SMS webhooks). Over the network, so apart from the pure checks; a provider that does not
 * answer is a warning, never a thrown error.
 */
export async function providerSetupFindings(env: Env): Promise<NonNullable<DoctorInput["providerSetup"]>> {
  const ctx = {
    settings: env,
    publicUrl: (env.PUBLIC_URL ?? "").replace(/\/+$/, ""),
    hotline: e164(siteConfig.contacts.phone),
    timeoutMs: SETUP_CHECK_TIMEOUT_MS,
  };
  return Promise.all(
    providerSetupChecks.map(async ({ provider, check }) => {
      try {
        return { provider, findings: await check(ctx) };
      } catch (err) {
        return { provider, findings: [{ verdict: "warn" as const, text: `its setup could not be checked: ${err instanceof Error ? err.message : String(err)}`, unchecked: true as const }] };
      }
    }),
  );
}
