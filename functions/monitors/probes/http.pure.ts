// The verdict of an HTTP(S) check from what the request got. Pure and table-tested.
import type { HttpMonitorConfig } from "../config.pure";
import { withLatencyThreshold, type ProbeResult } from "./result.pure";

type Http = HttpMonitorConfig;

export type HttpOutcome =
  | { kind: "error"; timedOut: boolean; error: string }
  | { kind: "response"; status: number; latencyMs: number; body: string | null; location: string | null };

export function statusExpected(m: Pick<Http, "expectStatus">, status: number): boolean {
  return m.expectStatus && m.expectStatus.length > 0 ? m.expectStatus.includes(status) : status >= 200 && status < 400;
}

export function evaluateHttp(m: Pick<Http, "expectStatus" | "keyword" | "keywordAbsent" | "thresholds" | "timeout">, o: HttpOutcome): ProbeResult {
  if (o.kind === "error") {
    return o.timedOut
      ? { level: "down", latencyMs: null, message: `No answer within ${m.timeout} s.` }
      : { level: "down", latencyMs: null, message: `The request failed: ${o.error}` };
  }
  const expected = m.expectStatus && m.expectStatus.length > 0 ? m.expectStatus.join(", ") : "2xx or 3xx";
  const redirect = o.location ? ` to ${o.location}` : "";
  if (!statusExpected(m, o.status)) {
    return { level: "down", latencyMs: o.latencyMs, message: `HTTP ${o.status}${redirect} (expected ${expected}).`, detail: { status: o.status } };
  }
  if (m.keyword !== undefined && !(o.body ?? "").includes(m.keyword)) {
    return { level: "down", latencyMs: o.latencyMs, message: `HTTP ${o.status}, but the page does not contain "${m.keyword}".`, detail: { status: o.status } };
  }
  if (m.keywordAbsent !== undefined && (o.body ?? "").includes(m.keywordAbsent)) {
    return { level: "down", latencyMs: o.latencyMs, message: `HTTP ${o.status}, but the page contains "${m.keywordAbsent}".`, detail: { status: o.status } };
  }
  return withLatencyThreshold(
    { level: "up", latencyMs: o.latencyMs, message: `HTTP ${o.status} in ${o.latencyMs} ms.`, detail: { status: o.status } },
    m.thresholds.latencyMs,
  );
}
