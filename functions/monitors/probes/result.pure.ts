// What every probe returns: an observation for the hysteresis, the latency it measured, and one
// sentence a person reads in the alert and the console. Pure.
import type { Observation } from "../state.pure";

export interface ProbeResult {
  level: Observation;
  /** Milliseconds to the answer that matters (headers, connect, resolver answer, SMTP
   * dialogue); null when there was none. */
  latencyMs: number | null;
  message: string;
  detail?: Record<string, unknown>;
}

/** Latency over the monitor's threshold makes an otherwise good result degraded. */
export function withLatencyThreshold(result: ProbeResult, thresholdMs: number | undefined): ProbeResult {
  if (result.level !== "up" || thresholdMs === undefined || result.latencyMs === null || result.latencyMs <= thresholdMs) return result;
  return { ...result, level: "degraded", message: `${result.message} Slow: ${result.latencyMs} ms is over the ${thresholdMs} ms threshold.` };
}

export function describeError(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}
