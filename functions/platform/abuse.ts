// Abuse controls every public form shares (the report form, the subscribe form): which
// protections are in force, the client as our edge saw it (hashed, never stored raw), and the
// Origin check. Each form adds its own messages and limits on top.
import type { Config } from "./config";
import { hmacSha256Hex } from "./crypto";

export const protectionNames = ["honeypot", "turnstile", "rate-limit", "duplicates", "origin"] as const;
export type Protection = (typeof protectionNames)[number];

/** The protections in force. An empty or missing var means all of them. */
export function protections(config: Pick<Config, "reportProtections">): Set<Protection> {
  const wanted = config.reportProtections;
  if (wanted.length === 0) return new Set(protectionNames);
  return new Set(protectionNames.filter((p) => wanted.includes(p)));
}

/** The client address as our edge saw it (Cloudflare sets CF-Connecting-IP). */
export function clientAddress(req: Request): string | null {
  const ip = req.headers.get("cf-connecting-ip")?.trim();
  return ip && ip.length <= 64 ? ip : null;
}

/** Salted hash of the client address: enough to rate-limit and spot repeats, never the address. */
export async function clientHashOf(config: Pick<Config, "hashSalt">, req: Request): Promise<string | null> {
  const ip = clientAddress(req);
  if (!ip) return null;
  return hmacSha256Hex(config.hashSalt || "outofband-unsalted", `client:${ip}`);
}

/**
 * Form posts must come from our own pages: a browser sends Origin (or at least
 * Sec-Fetch-Site) with every POST, and another site's form must not file reports in a
 * visitor's name. Clients that send neither (curl, old browsers) are let through: the
 * check protects browsers, the other controls protect the rest.
 */
export function isAllowedOrigin(req: Request, publicUrl: string): boolean {
  const origin = req.headers.get("origin");
  if (origin === null) {
    const site = req.headers.get("sec-fetch-site");
    return site === null || site === "same-origin" || site === "none";
  }
  const allowed = new Set<string>([new URL(req.url).origin]);
  try {
    allowed.add(new URL(publicUrl).origin);
  } catch {
    // PUBLIC_URL misconfigured: only the request's own origin is allowed.
  }
  return allowed.has(origin);
}
