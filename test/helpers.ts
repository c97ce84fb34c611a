// Helpers shared by the Worker tests. Every test creates the rows it needs.
import { env, exports } from "cloudflare:workers";
import { inject } from "vitest";
import { buildServices, type Services } from "../functions/platform/services";

export const STAFF_TOKEN = "test-staff-token-0123456789";
export const BASE = "http://127.0.0.1:8787";

/** Sends a request through the real Worker entry (middleware, routes, error hook). */
export function fetchWorker(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(new URL(path, BASE), init));
}

export function staffHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${STAFF_TOKEN}`, ...extra };
}

export function postJson(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetchWorker(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** A unique suffix so each test's rows and rate-limit keys are its own. */
export function unique(prefix = "t"): string {
  return `${prefix}_${crypto.randomUUID().slice(0, 8)}`;
}

/** The loopback fake provider server (see test/fakes/server.ts). */
export const fakeProviders = {
  url: () => inject("fakeProviderUrl"),
  async requests(provider: string) {
    const res = await fetch(`${inject("fakeProviderUrl")}/__requests?provider=${provider}`);
    return (await res.json()) as import("./fakes/types").RecordedRequest[];
  },
  async script(provider: string, responses: import("./fakes/types").ScriptedResponse[]) {
    await fetch(`${inject("fakeProviderUrl")}/__script`, { method: "POST", body: JSON.stringify({ provider, responses }) });
  },
};

/** The services the Worker builds from `bindings` (the test's env by default), as a request
 * or event would get them; deferred work is collected and awaited by `settle()`. */
export function servicesOf(bindings: Env = env): Services & { settle(): Promise<unknown> } {
  const deferred: Promise<unknown>[] = [];
  return Object.assign(buildServices(bindings, (work) => void deferred.push(work)), { settle: () => Promise.all(deferred) });
}

export { env };
