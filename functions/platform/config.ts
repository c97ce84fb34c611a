// The Worker's settings, read once per request or event from its vars and secrets. Everything
// that is a number or a list in wrangler.toml is parsed here, with a safe default, so that the
// functions that use a setting receive a typed value rather than the whole Env.
import { readEmailIntake, type EmailIntake } from "../../contract/email-intake";
import { siteConfig } from "../../site.config";

export interface Config {
  environment: string;
  /** The public https address, without a trailing slash (links in mail, pages and feeds). */
  publicUrl: string;
  /** The static mirror's public address without a trailing slash (MIRROR_URL, else
   * site.config.ts mirrorUrl), or "" when there is none. */
  mirrorUrl: string;
  mailFrom: string;
  /** Addresses paged directly by mail when a report cannot be stored or dispatched. */
  fallbackPageTo: string[];
  hashSalt: string;
  ackSigningKey: string;
  ackLinkTtlHours: number;
  /** Abuse controls named in REPORT_PROTECTIONS; empty means all of them. */
  reportProtections: string[];
  turnstile: { siteKey: string; secretKey: string; verifyUrl: string };
  paging: PagingConfig;
  confirmations: ConfirmationLimits;
  email: EmailSettings;
  console: ConsoleConfig;
}

export interface EmailSettings {
  /** The intake addresses (EMAIL_INTAKE): purpose, urgency, forward destinations. */
  intake: EmailIntake;
  /** authserv-ids whose Authentication-Results header is trusted (the receiving MX's). */
  authservIds: string[];
  /** At most one auto-reply per sender in this many minutes. */
  autoReplyWindowMinutes: number;
}

export interface ConsoleConfig {
  /** Origins on which staff may sign in with a passkey: PUBLIC_URL's and CONSOLE_ORIGINS. A
   * passkey belongs to one host name (its relying party id), so this list is short. */
  origins: string[];
  /** Cloudflare Access in front of /admin, when both are set: the team's domain
   * (https://<team>.cloudflareaccess.com, the tokens' issuer) and the application's AUD tag. */
  access: { teamDomain: string; audience: string } | null;
}

export interface PagingConfig {
  /** While a policy has an unacknowledged alert, new alerts are told in a digest at most this often. */
  digestWindowMinutes: number;
  /** Pages a person gets in an hour before further alerts reach them only in the digest. */
  pagesPerPersonPerHour: number;
}

export interface ConfirmationLimits {
  /** Confirmation mails to one address in an hour (more reports are stored, not confirmed). */
  perAddressPerHour: number;
  /** Confirmation mails caused by one client in an hour. */
  perClientPerHour: number;
}

export const configDefaults = {
  ackLinkTtlHours: 72,
  digestWindowMinutes: 5,
  pagesPerPersonPerHour: 6,
  confirmationsPerAddressPerHour: 3,
  confirmationsPerClientPerHour: 5,
  emailAuthservId: "mx.cloudflare.net",
  emailAutoReplyWindowMinutes: 60,
} as const;

function positiveNumber(value: unknown, fallback: number): number {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : typeof value === "number" ? value : NaN;
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/** A comma- or space-separated list var. */
export function listVar(value: unknown): string[] {
  return typeof value === "string" ? value.split(/[\s,]+/).map((v) => v.trim()).filter(Boolean) : [];
}

const plausibleAddress = /^[^\s@]+@[^\s@]+$/;

export function readConfig(env: Env): Config {
  return {
    environment: env.ENVIRONMENT ?? "development",
    publicUrl: (env.PUBLIC_URL ?? "").replace(/\/+$/, ""),
    mirrorUrl: (env.MIRROR_URL || siteConfig.mirrorUrl || "").replace(/\/+$/, ""),
    mailFrom: env.MAIL_FROM ?? "",
    fallbackPageTo: listVar(env.FALLBACK_PAGE_TO).filter((a) => plausibleAddress.test(a)),
    hashSalt: env.HASH_SALT ?? "",
    ackSigningKey: env.ACK_SIGNING_KEY ?? "",
    ackLinkTtlHours: positiveNumber(env.ACK_LINK_TTL_HOURS, configDefaults.ackLinkTtlHours),
    reportProtections: listVar(env.REPORT_PROTECTIONS),
    turnstile: { siteKey: env.TURNSTILE_SITE_KEY ?? "", secretKey: env.TURNSTILE_SECRET_KEY ?? "", verifyUrl: env.TURNSTILE_VERIFY_URL ?? "" },
    paging: {
      digestWindowMinutes: positiveNumber(env.DIGEST_WINDOW_MINUTES, configDefaults.digestWindowMinutes),
      pagesPerPersonPerHour: positiveNumber(env.PAGES_PER_PERSON_PER_HOUR, configDefaults.pagesPerPersonPerHour),
    },
    console: readConsoleConfig(env),
    confirmations: {
      perAddressPerHour: positiveNumber(env.CONFIRMATIONS_PER_ADDRESS_PER_HOUR, configDefaults.confirmationsPerAddressPerHour),
      perClientPerHour: positiveNumber(env.CONFIRMATIONS_PER_CLIENT_PER_HOUR, configDefaults.confirmationsPerClientPerHour),
    },
    email: {
      intake: readEmailIntake(env.EMAIL_INTAKE),
      authservIds: (listVar(env.EMAIL_AUTHSERV_ID).length > 0 ? listVar(env.EMAIL_AUTHSERV_ID) : [configDefaults.emailAuthservId]).map((v) => v.toLowerCase()),
      autoReplyWindowMinutes: positiveNumber(env.EMAIL_AUTO_REPLY_WINDOW_MINUTES, configDefaults.emailAutoReplyWindowMinutes),
    },
  };
}

function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === "https:" || u.protocol === "http:" ? u.origin : null;
  } catch {
    return null;
  }
}

function readConsoleConfig(env: Env): ConsoleConfig {
  const origins = [env.PUBLIC_URL ?? "", ...listVar(env.CONSOLE_ORIGINS)].map(originOf).filter((o): o is string => o !== null);
  // Kept as written (without a trailing slash): it is the tokens' issuer, compared exactly.
  const rawTeam = (env.ACCESS_TEAM_DOMAIN ?? "").trim().replace(/\/+$/, "");
  const teamDomain = originOf(rawTeam) ? rawTeam : "";
  const audience = (env.ACCESS_AUD ?? "").trim();
  return { origins: [...new Set(origins)], access: teamDomain && audience ? { teamDomain, audience } : null };
}
