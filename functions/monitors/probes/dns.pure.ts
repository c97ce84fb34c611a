// The verdict of a DNS check from a DNS-over-HTTPS answer (RFC 8484's JSON flavour, as
// Cloudflare's and Google's resolvers serve it with Accept: application/dns-json). Pure.
import { z } from "zod";
import type { DnsMonitorConfig } from "../config.pure";
import { withLatencyThreshold, type ProbeResult } from "./result.pure";

/** RR type numbers (IANA "Resource Record (RR) TYPEs"). */
export const rrType: Record<DnsMonitorConfig["recordType"], number> = { A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, TXT: 16, AAAA: 28, SRV: 33, CAA: 257 };

/** DNS RCODEs a resolver may give (RFC 1035, 6895). */
const rcodeText: Record<number, string> = {
  1: "FORMERR (the query was malformed)",
  2: "SERVFAIL (the name's DNS servers did not answer properly)",
  3: "NXDOMAIN (the name does not exist)",
  4: "NOTIMP",
  5: "REFUSED",
};

export const DohAnswer = z.object({
  Status: z.number().int(),
  TC: z.boolean().optional(),
  Answer: z.array(z.object({ name: z.string(), type: z.number().int(), TTL: z.number().optional(), data: z.string() })).optional(),
  Comment: z.union([z.string(), z.array(z.string())]).optional(),
});
export type DohAnswer = z.infer<typeof DohAnswer>;

export type DnsOutcome =
  | { kind: "error"; timedOut: boolean; error: string }
  | { kind: "http"; status: number; latencyMs: number }
  | { kind: "answer"; latencyMs: number; json: unknown };

/** Names compare without case and trailing dot; TXT data with or without its quotes. */
export function normalizeRecord(data: string): string {
  const t = data.trim();
  const unquoted = /^".*"$/s.test(t) ? t.slice(1, -1) : t;
  return unquoted.replace(/\.$/, "").toLowerCase();
}

export function evaluateDns(m: Pick<DnsMonitorConfig, "target" | "recordType" | "expect" | "thresholds" | "timeout">, o: DnsOutcome): ProbeResult {
  // The resolver is ours to depend on, not the company's: its failures say nothing about
  // their DNS, so they are inconclusive rather than down.
  if (o.kind === "error") {
    return { level: "inconclusive", latencyMs: null, message: o.timedOut ? `The DNS-over-HTTPS resolver did not answer within ${m.timeout} s.` : `The DNS-over-HTTPS resolver could not be reached: ${o.error}` };
  }
  if (o.kind === "http") return { level: "inconclusive", latencyMs: o.latencyMs, message: `The DNS-over-HTTPS resolver answered HTTP ${o.status}.` };
  const parsed = DohAnswer.safeParse(o.json);
  if (!parsed.success) return { level: "inconclusive", latencyMs: o.latencyMs, message: "The DNS-over-HTTPS resolver's answer was not the JSON it documents." };
  const answer = parsed.data;
  const q = `${m.recordType} ${m.target}`;
  if (answer.Status !== 0) {
    return { level: "down", latencyMs: o.latencyMs, message: `${q}: ${rcodeText[answer.Status] ?? `RCODE ${answer.Status}`}.`, detail: { rcode: answer.Status } };
  }
  const records = (answer.Answer ?? []).filter((r) => r.type === rrType[m.recordType]).map((r) => r.data);
  if (records.length === 0) return { level: "down", latencyMs: o.latencyMs, message: `${q}: no ${m.recordType} records.`, detail: { records } };
  const have = new Set(records.map(normalizeRecord));
  const missing = (m.expect ?? []).filter((e) => !have.has(normalizeRecord(e)));
  if (missing.length > 0) {
    return {
      level: "down",
      latencyMs: o.latencyMs,
      message: `${q}: expected ${missing.join(", ")} among the answers, got ${records.join(", ")}.`,
      detail: { records, missing },
    };
  }
  return withLatencyThreshold({ level: "up", latencyMs: o.latencyMs, message: `${q}: ${records.join(", ")} in ${o.latencyMs} ms.`, detail: { records } }, m.thresholds.latencyMs);
}
