// Abuse controls for the public intake routes. Each is configurable with the
// REPORT_PROTECTIONS var (a comma-separated list; all on by default) and Turnstile is on
// whenever TURNSTILE_SECRET_KEY is set (production). Nothing here stores a raw client address.
// The controls other public forms share (the subscribe form) live in platform/abuse.ts.
import type { Config } from "../platform/config";
import { isAllowedOrigin, protections } from "../platform/abuse";
import { ApiError } from "../platform/errors";

export { clientAddress, clientHashOf, isAllowedOrigin, protectionNames, protections, type Protection } from "../platform/abuse";


/** Seconds a rate-limited client is told to wait: the binding's period (60 s here). */
export const RATE_LIMIT_RETRY_SECONDS = 60;

/**
 * Per-client limit with a Workers rate-limit binding, keyed on the hashed client address.
 * Requests without an address (never on Cloudflare's edge) share one key.
 */
export async function enforceRateLimit(config: Pick<Config, "reportProtections">, limiter: RateLimit, clientHash: string | null, scope: string): Promise<void> {
  if (!protections(config).has("rate-limit")) return;
  const { success } = await limiter.limit({ key: `${scope}:${clientHash ?? "no-address"}` });
  if (!success) {
    throw new ApiError(
      "rate_limited",
      `Too many reports from your connection in a short time. Please wait a minute and try again, or reach us directly by phone or email (below).`,
      { headers: { "Retry-After": String(RATE_LIMIT_RETRY_SECONDS) } },
    );
  }
}

export function enforceOrigin(config: Pick<Config, "reportProtections" | "publicUrl">, req: Request): void {
  if (!protections(config).has("origin")) return;
  if (!isAllowedOrigin(req, config.publicUrl)) {
    throw new ApiError("forbidden", "This form can only be sent from our own report page. Please open the report page and try again.");
  }
}

export interface TurnstileOutcome {
  ok: boolean;
  /** Cloudflare's error codes, e.g. "invalid-input-response", "timeout-or-duplicate". */
  errorCodes: string[];
  /** True when siteverify itself could not be reached or answered nonsense. */
  unreachable: boolean;
}

export function turnstileEnabled(config: Pick<Config, "turnstile" | "reportProtections">): boolean {
  return Boolean(config.turnstile.secretKey) && protections(config).has("turnstile");
}

/**
 * Verifies a Turnstile token server-side (siteverify). When siteverify cannot be reached the
 * outcome says so and the caller lets the report through: losing an urgent report to a
 * Cloudflare hiccup is worse than one unverified report (the rate limit still applies).
 * `idempotencyKey` must be fresh per token: it only makes a retried call for that token safe.
 */
export async function verifyTurnstile(turnstile: Config["turnstile"], token: string, remoteIp: string | null, idempotencyKey: string): Promise<TurnstileOutcome> {
  if (!token) return { ok: false, errorCodes: ["missing-input-response"], unreachable: false };
  if (token.length > 2048) return { ok: false, errorCodes: ["invalid-input-response"], unreachable: false };
  const body: Record<string, string> = { secret: turnstile.secretKey, response: token, idempotency_key: idempotencyKey };
  if (remoteIp) body.remoteip = remoteIp;
  try {
    const res = await fetch(turnstile.verifyUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) return { ok: false, errorCodes: [`http-${res.status}`], unreachable: true };
    const data = (await res.json()) as { success?: unknown; "error-codes"?: unknown };
    const errorCodes = Array.isArray(data["error-codes"]) ? data["error-codes"].map(String) : [];
    return { ok: data.success === true, errorCodes, unreachable: false };
  } catch (err) {
    console.error("turnstile: siteverify unreachable", err);
    return { ok: false, errorCodes: ["unreachable"], unreachable: true };
  }
}

/** What to tell a person whose Turnstile check failed. */
export function turnstileMessage(outcome: TurnstileOutcome): string {
  if (outcome.errorCodes.includes("timeout-or-duplicate")) {
    return "The anti-spam check expired or was already used. Please complete it again and resend.";
  }
  if (outcome.errorCodes.includes("missing-input-response")) {
    return "Please complete the anti-spam check (it needs JavaScript). Without it, call or email us directly.";
  }
  return "The anti-spam check failed. Please try it again, or call or email us directly.";
}
