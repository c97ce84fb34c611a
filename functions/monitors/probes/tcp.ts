// TCP check: can a connection be opened (through cloudflare:sockets), and how fast.
import { parseHostPort, type TcpMonitorConfig } from "../config.pure";
import { describeError, withLatencyThreshold, type ProbeResult } from "./result.pure";
import { DeadlineError, LineConnection } from "./socket";
import type { ProbeContext } from "./types";

export async function probeTcp(m: TcpMonitorConfig, ctx: ProbeContext): Promise<ProbeResult> {
  const host = parseHostPort(m.target, null)!;
  const started = Date.now();
  try {
    const conn = await LineConnection.open(host, "off", ctx.deadline);
    const latencyMs = Date.now() - started;
    await conn.close();
    return withLatencyThreshold({ level: "up", latencyMs, message: `Connected to ${m.target} in ${latencyMs} ms.` }, m.thresholds.latencyMs);
  } catch (err) {
    if (err instanceof DeadlineError) return { level: "down", latencyMs: null, message: `No connection to ${m.target} within ${m.timeout} s.` };
    return { level: "down", latencyMs: null, message: `Could not connect to ${m.target}: ${describeError(err)}` };
  }
}
