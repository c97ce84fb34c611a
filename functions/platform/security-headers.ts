import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";
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

/**
 * The fixed security headers of every Worker response (static assets get the same from
 * dist/_headers), by Hono's secure-headers with our values. `overwrite: false`: a header the
 * route set itself wins (the acknowledgement page's `no-referrer` is stricter than the default,
 * and a default must never loosen what a route chose). Hono's other defaults stay off, so we
 * send what we sent before: CORP `same-origin` would stop other sites from showing the badge,
 * and the rest (X-XSS-Protection: 0, Origin-Agent-Cluster, ...) add nothing to these answers.
 */
export function securityHeaders(): MiddlewareHandler<AppEnv> {
  return secureHeaders({
    overwrite: false,
    strictTransportSecurity: "max-age=63072000; includeSubDomains",
    xContentTypeOptions: true,
    referrerPolicy: "strict-origin-when-cross-origin",
    xFrameOptions: "DENY",
    permissionsPolicy: { camera: [], microphone: [], geolocation: [], payment: [] },
    crossOriginOpenerPolicy: "same-origin",
    crossOriginResourcePolicy: false,
    crossOriginEmbedderPolicy: false,
    originAgentCluster: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
  });
}

/**
 * The Content-Security-Policy, chosen after the route by what it answered: HTML gets the
 * build's hashes, anything else (JSON, feeds, SVG) may load nothing. Hono's secure-headers
 * fixes its policy before the route runs, so it cannot choose by content type. A route that
 * set its own policy (the report form widens it for Turnstile) keeps it.
 */
export function contentSecurityPolicy(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    // Responses from ASSETS or fetch() have immutable headers: work on a copy (the headers
    // middleware around this one writes into it too).
    c.res = new Response(c.res.body, c.res);
    if (!c.res.headers.has("Content-Security-Policy")) {
      const type = c.res.headers.get("content-type") ?? "";
      c.res.headers.set("Content-Security-Policy", type.startsWith("text/html") ? htmlContentSecurityPolicy() : API_CSP);
    }
  };
}
