// HTTP(S) check: one request with fetch, the latency to the response headers, and the body
// (first 1 MB) when a keyword is to be looked for.
import type { HttpMonitorConfig } from "../config.pure";
import { evaluateHttp, type HttpOutcome } from "./http.pure";
import { describeError, type ProbeResult } from "./result.pure";
import type { ProbeContext } from "./types";

export const MAX_BODY_BYTES = 1024 * 1024;

export async function probeHttp(m: HttpMonitorConfig, ctx: ProbeContext): Promise<ProbeResult> {
  return evaluateHttp(m, await requestOnce(m, ctx));
}

async function requestOnce(m: HttpMonitorConfig, ctx: ProbeContext): Promise<HttpOutcome> {
  const started = Date.now();
  try {
    const res = await fetch(m.target, {
      method: m.method,
      redirect: m.followRedirects ? "follow" : "manual",
      signal: ctx.signal,
      headers: { "user-agent": ctx.userAgent, accept: "text/html,application/json;q=0.9,*/*;q=0.8" },
    });
    const latencyMs = Date.now() - started;
    const wantsBody = m.method === "GET" && (m.keyword !== undefined || m.keywordAbsent !== undefined);
    const body = wantsBody ? await readCapped(res, MAX_BODY_BYTES) : (await res.body?.cancel(), null);
    return { kind: "response", status: res.status, latencyMs, body, location: res.status >= 300 && res.status < 400 ? res.headers.get("location") : null };
  } catch (err) {
    return { kind: "error", timedOut: ctx.signal.aborted, error: describeError(err) };
  }
}

/** The body as text, at most `max` bytes (the rest is not read). */
async function readCapped(res: Response, max: number): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = max - size;
    text += decoder.decode(value.byteLength > room ? value.subarray(0, room) : value, { stream: true });
    size += value.byteLength;
    if (size >= max) {
      await reader.cancel();
      break;
    }
  }
  return text + decoder.decode();
}
