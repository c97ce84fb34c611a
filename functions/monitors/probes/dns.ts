// DNS check over DNS-over-HTTPS (the JSON API of RFC 8484 resolvers; DNS_OVER_HTTPS_URL, by
// default Cloudflare's 1.1.1.1). What it sees is what resolvers on the internet see, caches
// included: an authoritative server that just died may still be answered from cache for a TTL.
import type { DnsMonitorConfig } from "../config.pure";
import { evaluateDns, type DnsOutcome } from "./dns.pure";
import { describeError, type ProbeResult } from "./result.pure";
import type { ProbeContext } from "./types";

export async function probeDns(m: DnsMonitorConfig, ctx: ProbeContext): Promise<ProbeResult> {
  return evaluateDns(m, await resolve(m, ctx));
}

async function resolve(m: DnsMonitorConfig, ctx: ProbeContext): Promise<DnsOutcome> {
  const url = new URL(ctx.dohUrl);
  url.searchParams.set("name", m.target);
  url.searchParams.set("type", m.recordType);
  const started = Date.now();
  try {
    const res = await fetch(url, { headers: { accept: "application/dns-json", "user-agent": ctx.userAgent }, signal: ctx.signal });
    const latencyMs = Date.now() - started;
    if (!res.ok) {
      await res.body?.cancel();
      return { kind: "http", status: res.status, latencyMs };
    }
    const text = await res.text();
    try {
      return { kind: "answer", latencyMs, json: JSON.parse(text) };
    } catch {
      return { kind: "answer", latencyMs, json: null };
    }
  } catch (err) {
    return { kind: "error", timedOut: ctx.signal.aborted, error: describeError(err) };
  }
}
