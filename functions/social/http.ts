// One way for the fetch-based adapters (Mastodon, Bluesky) to call their API: a timeout on
// every request, the rate-limit window read from the answer, and failures mapped to
// SocialApiError with whether (and when) to try again.
import type { RateLimit } from "./types";
import { SocialApiError } from "./types";

export interface ApiAnswer {
  status: number;
  headers: Headers;
  json: unknown;
  rateLimit: RateLimit | null;
}

/** Reset times come as epoch seconds (Bluesky, X), an HTTP or ISO date (Mastodon), or seconds from now. */
export function parseReset(value: string | null, now: Date): string | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    const n = Number(trimmed);
    // Epoch seconds are large; small numbers are a delay in seconds.
    const at = n > 1_000_000_000 ? n * 1000 : now.getTime() + n * 1000;
    return new Date(Math.ceil(at)).toISOString();
  }
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : new Date(at).toISOString();
}

/** The rate-limit window from `<prefix>-remaining` and `<prefix>-reset` headers, when both are there. */
export function readRateLimit(headers: Headers, prefix: string, now: Date): RateLimit | null {
  const remaining = headers.get(`${prefix}-remaining`);
  const resetAt = parseReset(headers.get(`${prefix}-reset`), now);
  if (remaining === null || resetAt === null || !/^\d+$/.test(remaining.trim())) return null;
  return { remaining: Number(remaining), resetAt };
}

export async function callApi(
  label: string,
  url: string,
  init: RequestInit,
  opts: { timeoutMs: number; now: Date; rateLimitPrefix: string },
): Promise<ApiAnswer> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(opts.timeoutMs) });
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    throw new SocialApiError(`${label}: ${timedOut ? `no answer within ${opts.timeoutMs} ms` : `request failed (${String(err)})`}`, { status: null, retryable: true });
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  const rateLimit = readRateLimit(res.headers, opts.rateLimitPrefix, opts.now);
  if (res.ok) return { status: res.status, headers: res.headers, json, rateLimit };
  const detail = text.slice(0, 300);
  if (res.status === 429) {
    const retryAt = parseReset(res.headers.get("retry-after"), opts.now) ?? rateLimit?.resetAt ?? null;
    throw new SocialApiError(`${label}: rate limited (429)${retryAt ? `, until ${retryAt}` : ""}: ${detail}`, { status: 429, retryable: true, retryAt });
  }
  // 408 and 5xx are the provider's trouble; other 4xx mean our request or credentials are wrong.
  const retryable = res.status >= 500 || res.status === 408;
  throw new SocialApiError(`${label}: HTTP ${res.status}: ${detail}`, { status: res.status, retryable, retryAt: parseReset(res.headers.get("retry-after"), opts.now) });
}

export function trimSlash(base: string): string {
  return base.replace(/\/+$/, "");
}
