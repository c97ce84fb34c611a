// One way to call a provider: a timeout on every request, and the provider's answer mapped to
// success or a ChannelError that says whether (and when) to try again.
import { ChannelError } from "./types";

export interface ProviderResponse {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

/** Retry-After is seconds or an HTTP date; anything else is ignored. Capped at one hour. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  const seconds = Number(value.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(3600, Math.ceil(seconds));
  const at = Date.parse(value);
  if (Number.isNaN(at)) return null;
  return Math.min(3600, Math.max(0, Math.ceil((at - now) / 1000)));
}

export async function callProvider(
  name: string,
  url: string,
  init: RequestInit,
  timeoutMs: number,
  /** Providers that put the wait in the body (Telegram, Discord) say so here. */
  retryAfterFromBody?: (json: unknown) => number | null,
): Promise<ProviderResponse> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    throw new ChannelError(`${name}: ${timedOut ? `no answer within ${timeoutMs} ms` : `request failed (${String(err)})`}`, true);
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (res.ok) return { status: res.status, headers: res.headers, text, json };
  const detail = text.slice(0, 300);
  if (res.status === 429) {
    const wait = parseRetryAfter(res.headers.get("retry-after")) ?? retryAfterFromBody?.(json) ?? null;
    throw new ChannelError(`${name}: rate limited (429)${wait !== null ? `, retry after ${wait} s` : ""}: ${detail}`, true, wait);
  }
  // 408 and 5xx are the provider's trouble; other 4xx mean our request or the target is wrong.
  const retryable = res.status >= 500 || res.status === 408;
  throw new ChannelError(`${name}: HTTP ${res.status}: ${detail}`, retryable, parseRetryAfter(res.headers.get("retry-after")));
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${btoa(`${user}:${password}`)}`;
}

export function trimSlash(base: string): string {
  return base.replace(/\/+$/, "");
}
