// The verdict of a TLS certificate check. The Workers runtime does not expose the peer
// certificate of a connection (workerd issue #1041), so the expiry comes from Certificate
// Transparency: every publicly trusted certificate is logged, and Cert Spotter's documented
// API (sslmate.com/help/reference/ct_search_api_v1) lists the unexpired issuances for a name.
// The edge adds what it can see itself: whether a TLS handshake with the server succeeds.
// Pure and table-tested.
import { z } from "zod";
import type { TlsMonitorConfig } from "../config.pure";
import type { ProbeResult } from "./result.pure";

const DAY_MS = 86_400_000;

export const Issuance = z.object({
  id: z.string(),
  dns_names: z.array(z.string()).default([]),
  not_before: z.string().optional(),
  not_after: z.string(),
});
export type Issuance = z.infer<typeof Issuance>;

export type HandshakeOutcome = { ok: true; ms: number } | { ok: false; timedOut: boolean; error: string };
export type CtOutcome =
  | { kind: "issuances"; json: unknown }
  | { kind: "http"; status: number; retryAfter: string | null }
  | { kind: "error"; error: string };

/** Does a certificate name (possibly "*.example.com") cover the host? RFC 6125: a wildcard
 * stands for exactly one left-most label. */
export function nameCovers(certName: string, host: string): boolean {
  const n = certName.toLowerCase().replace(/\.$/, "");
  const h = host.toLowerCase().replace(/\.$/, "");
  if (n === h) return true;
  if (!n.startsWith("*.")) return false;
  const dot = h.indexOf(".");
  return dot > 0 && h.slice(dot + 1) === n.slice(2);
}

/**
 * The issuance a correctly renewed server serves: the one covering the host that expires
 * last. What the server really serves cannot be seen from here; a renewed certificate that was
 * never installed looks fine in CT (the agent's certificate check on the server sees that).
 */
export function latestCovering(issuances: Issuance[], host: string, now: Date): Issuance | null {
  let best: Issuance | null = null;
  for (const i of issuances) {
    const notAfter = Date.parse(i.not_after);
    if (Number.isNaN(notAfter) || notAfter <= now.getTime()) continue;
    if (!i.dns_names.some((n) => nameCovers(n, host))) continue;
    if (!best || notAfter > Date.parse(best.not_after)) best = i;
  }
  return best;
}

export function evaluateTls(
  m: Pick<TlsMonitorConfig, "target" | "thresholds" | "timeout">,
  host: string,
  handshake: HandshakeOutcome,
  ct: CtOutcome,
  now: Date,
): ProbeResult {
  const latencyMs = handshake.ok ? handshake.ms : null;
  if (!handshake.ok) {
    const why = handshake.timedOut ? `no TLS connection within ${m.timeout} s` : `the TLS connection failed (${handshake.error})`;
    return { level: "down", latencyMs, message: `${m.target}: ${why}. An expired, untrusted or wrong-name certificate fails this way.`, detail: { handshake: false } };
  }
  if (ct.kind !== "issuances") {
    const why = ct.kind === "http" ? `answered HTTP ${ct.status}${ct.retryAfter ? ` (retry after ${ct.retryAfter} s)` : ""}` : `could not be reached (${ct.error})`;
    return { level: "inconclusive", latencyMs, message: `TLS handshake OK; the expiry is unknown: the Certificate Transparency search ${why}.`, detail: { handshake: true } };
  }
  const parsed = z.array(Issuance).safeParse(ct.json);
  if (!parsed.success) return { level: "inconclusive", latencyMs, message: "TLS handshake OK; the Certificate Transparency search answered something other than a list of issuances.", detail: { handshake: true } };
  const best = latestCovering(parsed.data, host, now);
  if (!best) {
    return { level: "down", latencyMs, message: `TLS handshake OK, but no unexpired certificate for ${host} is in the Certificate Transparency logs.`, detail: { handshake: true } };
  }
  const notAfter = new Date(best.not_after);
  const daysLeft = Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
  const detail = { handshake: true, notAfter: notAfter.toISOString(), daysLeft, issuance: best.id };
  const when = `${notAfter.toISOString().slice(0, 10)} (in ${daysLeft} day${daysLeft === 1 ? "" : "s"})`;
  if (daysLeft < m.thresholds.failDays) return { level: "down", latencyMs, message: `The certificate for ${host} expires ${when}: renew it now.`, detail };
  if (daysLeft < m.thresholds.warnDays) return { level: "degraded", latencyMs, message: `The certificate for ${host} expires ${when}.`, detail };
  return { level: "up", latencyMs, message: `TLS handshake OK; the certificate for ${host} expires ${when}.`, detail };
}
