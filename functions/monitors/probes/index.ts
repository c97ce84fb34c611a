// The probe registry: one module per kind. Adding a kind is a schema variant in config.pure.ts
// and one line here.
import type { Monitor, MonitorKind } from "../config.pure";
import { probeDns } from "./dns";
import { probeHttp } from "./http";
import { describeError, type ProbeResult } from "./result.pure";
import { probeSmtp } from "./smtp";
import { probeTcp } from "./tcp";
import { probeTls } from "./tls";
import type { ProbeContext } from "./types";

type Probe<K extends MonitorKind> = (m: Extract<Monitor, { kind: K }>, ctx: ProbeContext) => Promise<ProbeResult>;

const probes: { [K in MonitorKind]: Probe<K> } = {
  http: probeHttp,
  tls: probeTls,
  dns: probeDns,
  tcp: probeTcp,
  smtp: probeSmtp,
};

/** A little more than the monitor's own timeout: only a probe that ignores its deadline hits it. */
const GUARD_MS = 2_000;

/**
 * Runs one monitor's probe with its timeout. Never throws: a probe that breaks or overruns is
 * our fault, not the server's, so it is inconclusive (logged) rather than down.
 */
export async function runProbe(m: Monitor, services: Omit<ProbeContext, "signal" | "deadline" | "now">, now: Date): Promise<ProbeResult> {
  const timeoutMs = m.timeout * 1000;
  const ctx: ProbeContext = { ...services, signal: AbortSignal.timeout(timeoutMs), deadline: Date.now() + timeoutMs, now };
  let guard: ReturnType<typeof setTimeout> | null = null;
  const overrun = new Promise<ProbeResult>((resolve) => {
    guard = setTimeout(() => resolve({ level: "inconclusive", latencyMs: null, message: `The check did not finish within ${m.timeout} s plus ${GUARD_MS / 1000} s; it was abandoned.` }), timeoutMs + GUARD_MS);
  });
  try {
    const probe = probes[m.kind] as Probe<MonitorKind>;
    return await Promise.race([probe(m as never, ctx), overrun]);
  } catch (err) {
    console.error(`monitors: the ${m.kind} check of ${m.id} threw`, err);
    return { level: "inconclusive", latencyMs: null, message: `The check itself failed: ${describeError(err)}` };
  } finally {
    clearTimeout(guard);
  }
}
