// The invocation meter the subscribers benchmark reads (functions/platform/meter.ts): what it
// counts per kind, and that the bindings it wraps still work (the local send_email binding is
// an RPC stub, on which a wrapper's `value.apply` would itself be a remote call).
import { afterEach, describe, expect, it, vi } from "vitest";
import { metered } from "../../functions/platform/meter";
import { env, fakeProviders, unique } from "../helpers";

/** Runs `work` metered and returns the line it logged, parsed. */
async function meter(work: (metered: Env) => Promise<void>): Promise<Record<string, unknown>> {
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  const label = unique("meter");
  await metered(env, label, { messages: 3 }, (m) => work(m));
  const line = log.mock.calls.map((c) => String(c[0])).find((l) => l.startsWith("meter ") && l.includes(label));
  expect(line).toBeDefined();
  return JSON.parse(line!.slice("meter ".length)) as Record<string, unknown>;
}

afterEach(() => vi.restoreAllMocks());

describe("invocation meter", () => {
  it("counts each D1 statement run, and a batch as one call however many statements it holds", async () => {
    const line = await meter(async (m) => {
      expect(await m.DB.prepare("SELECT ?1 AS n").bind(7).first<{ n: number }>()).toEqual({ n: 7 });
      await m.DB.prepare("SELECT 1").all();
      const results = await m.DB.batch([m.DB.prepare("SELECT 1 AS a"), m.DB.prepare("SELECT ?1 AS b").bind(2)]);
      expect(results.map((r) => r.results[0])).toEqual([{ a: 1 }, { b: 2 }]);
    });
    expect(line).toMatchObject({ messages: 3, services: 3, external: 0 });
  });

  it("sends mail through the wrapped send_email binding and counts it as a service call", async () => {
    const line = await meter(async (m) => {
      await m.EMAIL.send({ to: `${unique("to")}@example.test`, from: env.MAIL_FROM, subject: "Meter", text: "Counted." } as never);
    });
    expect(line).toMatchObject({ services: 1, external: 0 });
  });

  it("counts fetches made inside the invocation as external, and none made outside it", async () => {
    const line = await meter(async () => {
      await (await fetch(`${fakeProviders.url()}/__requests?provider=${unique("none")}`)).arrayBuffer();
      await (await fetch(`${fakeProviders.url()}/__requests?provider=${unique("none")}`)).arrayBuffer();
    });
    expect(line).toMatchObject({ services: 0, external: 2 });
    // Another request's fetch while the invocation is still running belongs to that request.
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const running = meter(() => gate);
    await (await fetch(`${fakeProviders.url()}/__requests?provider=${unique("none")}`)).arrayBuffer();
    release();
    expect(await running).toMatchObject({ services: 0, external: 0 });
  });
});
