// TLS certificate check: a TLS handshake from the edge (cloudflare:sockets, secureTransport
// "on", which verifies chain, name and validity) and the expiry from Certificate Transparency
// (Cert Spotter's issuances API, CT_SEARCH_URL; an API key in CERTSPOTTER_API_KEY raises its
// rate limit). Both run side by side. See tls.pure.ts for what this can and cannot see.
import { parseHostPort, type TlsMonitorConfig } from "../config.pure";
import { describeError, type ProbeResult } from "./result.pure";
import { DeadlineError, LineConnection } from "./socket";
import { evaluateTls, type CtOutcome, type HandshakeOutcome } from "./tls.pure";
import type { ProbeContext } from "./types";

export async function probeTls(m: TlsMonitorConfig, ctx: ProbeContext): Promise<ProbeResult> {
  const host = parseHostPort(m.target, 443)!;
  const [handshake, ct] = await Promise.all([handshakeWith(host, ctx), searchCt(host.hostname, ctx)]);
  return evaluateTls(m, host.hostname, handshake, ct, ctx.now);
}

async function handshakeWith(host: { hostname: string; port: number }, ctx: ProbeContext): Promise<HandshakeOutcome> {
  const started = Date.now();
  try {
    const conn = await LineConnection.open(host, "on", ctx.deadline);
    const ms = Date.now() - started;
    await conn.close();
    return { ok: true, ms };
  } catch (err) {
    return { ok: false, timedOut: err instanceof DeadlineError, error: describeError(err) };
  }
}

async function searchCt(hostname: string, ctx: ProbeContext): Promise<CtOutcome> {
  const url = new URL(ctx.ctSearchUrl);
  url.searchParams.set("domain", hostname);
  url.searchParams.set("match_wildcards", "true");
  url.searchParams.set("expand", "dns_names");
  const headers: Record<string, string> = { accept: "application/json", "user-agent": ctx.userAgent };
  if (ctx.ctApiKey) headers.authorization = `Bearer ${ctx.ctApiKey}`;
  try {
    const res = await fetch(url, { headers, signal: ctx.signal });
    if (!res.ok) {
      await res.body?.cancel();
      return { kind: "http", status: res.status, retryAfter: res.headers.get("retry-after") };
    }
    return { kind: "issuances", json: await res.json().catch(() => null) };
  } catch (err) {
    return { kind: "error", error: describeError(err) };
  }
}
