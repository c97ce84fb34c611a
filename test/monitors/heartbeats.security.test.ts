// The public ping endpoints, attacked: guessed and malformed tokens (404, our JSON error, the
// same answer whatever the guess), a flood (429 per token, and per sender of unknown tokens),
// oversized bodies (413, nothing stored), bodies with terminal escapes, other methods (405),
// and tokens that cannot be read back from storage.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { listPings } from "../../functions/monitors/queries";
import { heartbeatTokenHash } from "../../functions/monitors/tokens";
import { fetchWorker, unique } from "../helpers";
import { storeConfig } from "./helpers";

const LIMIT = 10; // HEARTBEAT_LIMITER in wrangler.toml
const ip = () => `203.0.113.${1 + Math.floor(Math.random() * 250)}`;

async function configured() {
  const id = unique("sec");
  const tokens = await storeConfig({ heartbeats: [{ id, name: "Target", schedule: { kind: "period", period: 300, grace: 60 } }] });
  return { id, token: tokens[id]! };
}

async function errorOf(res: Response) {
  return ((await res.json()) as { error: { code: string; message: string; requestId: string } }).error;
}

describe("guessing tokens", () => {
  it.each([
    ["a random token", () => "hb_" + "A".repeat(43)],
    ["a real token with its last character changed", (t: string) => t.slice(0, -1) + (t.endsWith("A") ? "B" : "A")],
    ["a real token's prefix", (t: string) => t.slice(0, 20)],
    ["a real token with a suffix", (t: string) => `${t}x`],
    ["an absurdly long token", () => "x".repeat(5000)],
    ["SQL", () => encodeURIComponent("' OR 1=1 --")],
  ])("%s is 404 with our JSON error and records nothing", async (_name, guess) => {
    const { id, token } = await configured();
    const res = await fetchWorker(`/heartbeat/${guess(token)}`, { headers: { "cf-connecting-ip": ip() } });
    expect(res.status).toBe(404);
    expect(await errorOf(res)).toEqual({ code: "not_found", message: "There is no heartbeat with this token. Check the ping URL.", requestId: expect.any(String) });
    expect(await listPings(env.DB, id, 10)).toEqual([]);
  });

  it("a real token with an action that does not exist is the same 404", async () => {
    const { id, token } = await configured();
    for (const action of ["256", "log", "-1", "FAIL"]) {
      const res = await fetchWorker(`/heartbeat/${token}/${action}`, { headers: { "cf-connecting-ip": ip() } });
      expect(res.status, action).toBe(404);
    }
    expect(await listPings(env.DB, id, 10)).toEqual([]);
  });

  it("stores only a hash of each token", async () => {
    const { id, token } = await configured();
    const row = await env.DB.prepare("SELECT token_hash FROM heartbeat_tokens WHERE heartbeat_id = ?1").bind(id).first<{ token_hash: string }>();
    expect(row!.token_hash).toBe(await heartbeatTokenHash(token));
    expect(row!.token_hash).not.toContain(token.slice(3, 20));
    const dump = JSON.stringify((await env.DB.prepare("SELECT * FROM heartbeat_tokens").all()).results);
    expect(dump).not.toContain(token);
  });

  it("a token from a heartbeat removed from the configuration stops working", async () => {
    const { token } = await configured();
    await storeConfig({ heartbeats: [] });
    expect((await fetchWorker(`/heartbeat/${token}`, { headers: { "cf-connecting-ip": ip() } })).status).toBe(404);
  });
});

describe("flooding", () => {
  it(`a token pinged more than ${LIMIT} times a minute gets 429 with Retry-After, from any address`, async () => {
    const { token } = await configured();
    const statuses: number[] = [];
    for (let i = 0; i < 2 * LIMIT + 1; i++) statuses.push((await fetchWorker(`/heartbeat/${token}`, { headers: { "cf-connecting-ip": ip() } })).status);
    expect(statuses.slice(0, LIMIT).every((s) => s === 200)).toBe(true);
    expect(statuses).toContain(429);
    const res = await fetchWorker(`/heartbeat/${token}`, { headers: { "cf-connecting-ip": ip() } });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("60");
    expect((await errorOf(res)).code).toBe("rate_limited");
  });

  it("a sender guessing tokens is slowed down (429) after a few misses", async () => {
    const sender = `192.0.2.${1 + Math.floor(Math.random() * 250)}`;
    const statuses: number[] = [];
    for (let i = 0; i < 2 * LIMIT + 1; i++) statuses.push((await fetchWorker(`/heartbeat/${unique("guess")}`, { headers: { "cf-connecting-ip": sender } })).status);
    expect(statuses.slice(0, LIMIT).every((s) => s === 404)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });
});

describe("bodies", () => {
  it("a body over 100 KB is 413 and nothing is stored", async () => {
    const { id, token } = await configured();
    const res = await fetchWorker(`/heartbeat/${token}/fail`, { method: "POST", body: "x".repeat(100 * 1024 + 1), headers: { "cf-connecting-ip": ip() } });
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe("payload_too_large");
    expect(await listPings(env.DB, id, 10)).toEqual([]);
  });

  it("a body that lies about its length is still cut off at 100 KB", async () => {
    const { id, token } = await configured();
    const chunk = new TextEncoder().encode("y".repeat(64 * 1024));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(chunk);
        controller.enqueue(chunk);
        controller.close();
      },
    });
    const res = await fetchWorker(`/heartbeat/${token}`, { method: "POST", body: stream, headers: { "content-length": "10", "cf-connecting-ip": ip() }, duplex: "half" } as RequestInit);
    expect(res.status).toBe(413);
    expect(await listPings(env.DB, id, 10)).toEqual([]);
  });

  it("a 50 KB body is accepted and its first 10 KB kept", async () => {
    const { id, token } = await configured();
    const res = await fetchWorker(`/heartbeat/${token}`, { method: "POST", body: "z".repeat(50 * 1024), headers: { "cf-connecting-ip": ip() } });
    expect(res.status).toBe(200);
    const [ping] = await listPings(env.DB, id, 1);
    expect(ping!.body).toHaveLength(10 * 1024);
    expect(ping!.bodyBytes).toBe(50 * 1024);
  });

  it("terminal escapes, NULs and bidi overrides never reach storage", async () => {
    const { id, token } = await configured();
    await fetchWorker(`/heartbeat/${token}`, { method: "POST", body: "ok\u0000\u001b]0;pwned\u0007\u202Egnp.exe", headers: { "cf-connecting-ip": ip() } });
    const [ping] = await listPings(env.DB, id, 1);
    expect(ping!.body).toBe("ok]0;pwnedgnp.exe");
  });

  it("invalid UTF-8 is stored as replacement characters, not raw bytes", async () => {
    const { id, token } = await configured();
    await fetchWorker(`/heartbeat/${token}`, { method: "POST", body: new Uint8Array([0x6f, 0x6b, 0xff, 0xfe]), headers: { "cf-connecting-ip": ip() } });
    const [ping] = await listPings(env.DB, id, 1);
    expect(ping!.body).toBe("ok\uFFFD\uFFFD");
  });
});

describe("methods", () => {
  it.each(["PUT", "DELETE", "PATCH"])("%s is 405 with Allow", async (method) => {
    const { token } = await configured();
    const res = await fetchWorker(`/heartbeat/${token}`, { method, headers: { "cf-connecting-ip": ip() } });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toContain("POST");
  });
});
