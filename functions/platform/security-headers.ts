import type { MiddlewareHandler } from "hono";
import { inlineHashes } from "../generated/csp";
import type { AppEnv } from "./types";

/**
 * The Content-Security-Policy of our HTML. No 'unsafe-inline': the only inline scripts and
 * styles allowed are those the site build produced, by their SHA-256 (scripts/build-site.mjs
 * computes them and writes functions/generated/csp.ts and dist/_headers).
 */
export function htmlContentSecurityPolicy(extra: { scriptSrc?: string[]; frameSrc?: string[]; connectSrc?: string[] } = {}): string {
  return [
    "default-src 'self'",
    `script-src 'self' ${[...inlineHashes.scripts, ...(extra.scriptSrc ?? [])].join(" ")}`.trim(),
    `style-src 'self' ${inlineHashes.styles.join(" ")}`.trim(),
    "img-src 'self' data:",
    `connect-src 'self' ${(extra.connectSrc ?? []).join(" ")}`.trim(),
    `frame-src ${extra.frameSrc?.length ? extra.frameSrc.join(" ") : "'none'"}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** JSON, feeds, SVG: nothing in them may load or run anything. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

export const commonSecurityHeaders: Record<string, string> = {
  "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "strict-origin-when-cross-origin",
  "X-Frame-Options": "DENY",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
  "Cross-Origin-Opener-Policy": "same-origin",
};

/**
 * Adds security headers to every Worker response (static assets get them from dist/_headers).
 * A header the route set itself wins: the acknowledgement page's `no-referrer` is stricter
 * than the default, and a default must never loosen what a route chose.
 */
export function securityHeaders(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    // Responses from ASSETS or fetch() have immutable headers: always work on a copy.
    c.res = new Response(c.res.body, c.res);
    for (const [name, value] of Object.entries(commonSecurityHeaders)) {
      if (!c.res.headers.has(name)) c.res.headers.set(name, value);
    }
    if (!c.res.headers.has("Content-Security-Policy")) {
      const type = c.res.headers.get("content-type") ?? "";
      c.res.headers.set("Content-Security-Policy", type.startsWith("text/html") ? htmlContentSecurityPolicy() : API_CSP);
    }
  };
}
