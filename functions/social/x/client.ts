// X's API through twitter-api-v2 (OAuth 1.0a user context: the support account's access token
// signs every request, so mentions, DMs, posts and DMs sent need no other token). The library's
// base URLs are constants; a request plugin points them at X_API_BASE (the loopback fake in
// tests, the local stand-in under `npm start`). A plain-http base needs a node:http agent: the
// library always calls node:https, which workerd runs on fetch.
import * as http from "node:http";
import { ApiPartialResponseError, ApiRequestError, ApiResponseError, TwitterApi, type ITwitterApiClientPlugin } from "twitter-api-v2";
import { trimSlash } from "../http";
import { SocialApiError, type RateLimit } from "../types";

export type XSettings = Pick<Env, "X_API_BASE" | "X_CONSUMER_KEY" | "X_CONSUMER_SECRET" | "X_ACCESS_TOKEN" | "X_ACCESS_TOKEN_SECRET" | "X_USER_ID">;

const X_HOSTS = /^https:\/\/(?:api|upload)\.(?:x|twitter)\.com/;

export function xClient(settings: XSettings): TwitterApi {
  const base = trimSlash(settings.X_API_BASE || "https://api.x.com");
  const redirect: ITwitterApiClientPlugin = {
    onBeforeRequestConfig({ params }) {
      params.url = params.url.replace(X_HOSTS, base);
    },
  };
  return new TwitterApi(
    { appKey: settings.X_CONSUMER_KEY, appSecret: settings.X_CONSUMER_SECRET, accessToken: settings.X_ACCESS_TOKEN, accessSecret: settings.X_ACCESS_TOKEN_SECRET },
    // workerd's fetch already decodes compressed answers: the library must not decode again.
    { plugins: [redirect], compression: false, ...(base.startsWith("http:") ? { httpAgent: new http.Agent() } : {}) },
  );
}

/** Our account's id: X_USER_ID, else the number an OAuth 1.0a access token starts with ("<id>-..."). */
export function xSelfId(settings: Pick<Env, "X_USER_ID" | "X_ACCESS_TOKEN">): string | null {
  const explicit = (settings.X_USER_ID ?? "").trim();
  if (/^\d{1,30}$/.test(explicit)) return explicit;
  const fromToken = /^(\d{1,30})-/.exec(settings.X_ACCESS_TOKEN ?? "")?.[1];
  return fromToken ?? null;
}

export function rateLimitOf(limit: { remaining: number; reset: number } | undefined): RateLimit | null {
  if (!limit || !Number.isFinite(limit.remaining) || !Number.isFinite(limit.reset)) return null;
  return { remaining: limit.remaining, resetAt: new Date(limit.reset * 1000).toISOString() };
}

/** Runs a library call with a deadline (the library's own timeout is not reliable on workerd). */
export async function withDeadline<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SocialApiError(`X: no answer within ${timeoutMs} ms`, { status: null, retryable: true })), timeoutMs);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** The library's errors as SocialApiError: 429 waits for X's reset, 5xx and network errors retry. */
export function toSocialError(err: unknown, now: Date): SocialApiError {
  if (err instanceof SocialApiError) return err;
  if (err instanceof ApiResponseError) {
    const status = err.code;
    const detail = JSON.stringify(err.data ?? {}).slice(0, 300);
    if (status === 429) {
      const reset = rateLimitOf(err.rateLimit)?.resetAt ?? new Date(now.getTime() + 60_000).toISOString();
      return new SocialApiError(`X: rate limited (429) until ${reset}: ${detail}`, { status, retryable: true, retryAt: reset });
    }
    return new SocialApiError(`X: HTTP ${status}: ${detail}`, { status, retryable: status >= 500 || status === 408 });
  }
  if (err instanceof ApiRequestError || err instanceof ApiPartialResponseError) {
    return new SocialApiError(`X: request failed (${err.message})`, { status: null, retryable: true });
  }
  return new SocialApiError(`X: ${err instanceof Error ? err.message : String(err)}`, { status: null, retryable: true });
}
