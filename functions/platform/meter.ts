// Counting what one invocation asks of the platform, for the benchmarks (bench/subscribers.mjs):
// calls to Cloudflare services (D1, queues, send_email, R2) and external requests (fetch),
// the two budgets the Workers limits count per invocation. Off unless the var
// METER_INVOCATIONS is "1"; then each metered invocation logs one line
//   meter {"label":"queue outofband-fanout","messages":10,"services":287,"external":0,"ms":412}
// Production never sets it: the wrappers cost a little on every call.
import { AsyncLocalStorage } from "node:async_hooks";

export interface MeterCounts {
  services: number;
  external: number;
}

const current = new AsyncLocalStorage<MeterCounts>();
let fetchWrapped = false;

/** External requests are counted by wrapping the global fetch once, per invocation by context. */
function wrapFetch(): void {
  if (fetchWrapped) return;
  fetchWrapped = true;
  const original = globalThis.fetch;
  globalThis.fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
    const counts = current.getStore();
    if (counts) counts.external++;
    return original(input, init);
  }) as typeof fetch;
}

/** The real object behind each proxy, for calls that take our objects back (D1's batch). */
const targets = new WeakMap<object, object>();
const unwrap = <T>(value: T): T => (typeof value === "object" && value !== null ? ((targets.get(value) as T | undefined) ?? value) : value);

function countingProxy<T extends object>(
  target: T,
  counts: MeterCounts,
  counted: ReadonlySet<string>,
  wrap: { results?: Record<string, (value: unknown) => unknown>; args?: Record<string, (args: unknown[]) => unknown[]> } = {},
): T {
  const proxy = new Proxy(target, {
    get(obj, prop) {
      // The target as receiver: runtime objects keep internal state a proxy cannot reach.
      const value = Reflect.get(obj, prop, obj) as unknown;
      if (typeof value !== "function") return value;
      const name = String(prop);
      return (...args: unknown[]) => {
        if (counted.has(name)) counts.services++;
        // Reflect.apply, not value.apply: on an RPC stub (send_email locally) every property,
        // `apply` too, is a remote method ("The RPC receiver does not implement the method").
        const result = Reflect.apply(value as (...a: unknown[]) => unknown, obj, wrap.args?.[name]?.(args) ?? args);
        const after = wrap.results?.[name];
        return after ? after(result) : result;
      };
    },
  });
  targets.set(proxy, target);
  return proxy;
}

function meterStatement(statement: D1PreparedStatement, counts: MeterCounts): D1PreparedStatement {
  return countingProxy(statement, counts, new Set(["first", "all", "run", "raw"]), {
    results: { bind: (bound) => meterStatement(bound as D1PreparedStatement, counts) },
  });
}

/** The Env with its service bindings counted into `counts`. */
export function meteredEnv(env: Env, counts: MeterCounts): Env {
  wrapFetch();
  // A batch is sent as one call: its statements are counted by the batch, not one by one.
  const db = countingProxy(env.DB, counts, new Set(["batch", "exec"]), {
    results: { prepare: (statement) => meterStatement(statement as D1PreparedStatement, counts) },
    args: { batch: ([statements]) => [(statements as D1PreparedStatement[]).map(unwrap)] },
  });
  const queue = (q: Queue) => countingProxy(q, counts, new Set(["send", "sendBatch"]));
  return {
    ...env,
    DB: db,
    FANOUT: queue(env.FANOUT),
    FANOUT_DLQ: queue(env.FANOUT_DLQ),
    EMAIL: countingProxy(env.EMAIL, counts, new Set(["send"])),
    FILES: countingProxy(env.FILES, counts, new Set(["get", "put", "head", "list", "delete"])),
  };
}

export function meteringOn(env: Env): boolean {
  return env.METER_INVOCATIONS === "1";
}

/**
 * Runs one invocation metered: `run` gets the counting Env and a waitUntil whose work is
 * awaited before the line is logged (deferred work is part of the invocation's budget).
 */
export async function metered(env: Env, label: string, detail: Record<string, unknown>, run: (env: Env, waitUntil: (p: Promise<unknown>) => void) => Promise<void>): Promise<void> {
  const counts: MeterCounts = { services: 0, external: 0 };
  const deferred: Promise<unknown>[] = [];
  const started = Date.now();
  await current.run(counts, async () => {
    await run(meteredEnv(env, counts), (p) => void deferred.push(p));
    await Promise.allSettled(deferred);
  });
  console.log(`meter ${JSON.stringify({ label, ...detail, services: counts.services, external: counts.external, ms: Date.now() - started })}`);
}
