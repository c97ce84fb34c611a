// The staff API of monitors: every route refuses a caller without a token (401) or without
// the scope (403); the document is validated with a message per field; heartbeat ping URLs
// are shown once and can be replaced; drafts are published in one tap (once).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../functions/app";
import { runMonitorsTick } from "../../functions/monitors/cron";
import { createStaffToken } from "../../functions/staff/tokens";
import { fetchWorker, postJson, staffHeaders, unique } from "../helpers";
import { componentStatus, fakeServices, makeComponent, monitorsEnv, storeConfig, targetUrl } from "./helpers";

const put = (body: unknown, headers: Record<string, string> = staffHeaders()) =>
  fetchWorker("/api/admin/monitors", { method: "PUT", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
const json = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as T;
const heartbeat = (id: string) => ({ id, name: `Heartbeat ${id}`, schedule: { kind: "period" as const, period: 300, grace: 60 } });

async function tokenWith(...scopes: Array<"monitors:write" | "status:write" | "reports:read">) {
  const { secret } = await createStaffToken(env.DB, { name: unique("staff"), scopes, now: new Date() });
  return { authorization: `Bearer ${secret}` };
}

describe("staff routes need a token and a scope", () => {
  it("GET /api/admin/monitors before anything was stored is 404 with a hint", async () => {
    const res = await fetchWorker("/api/admin/monitors", { headers: staffHeaders() });
    expect(res.status).toBe(404);
    expect((await json<{ error: { message: string } }>(res)).error.message).toContain("PUT /api/admin/monitors");
  });

  it.each([
    ["GET", "/api/admin/monitors"],
    ["PUT", "/api/admin/monitors"],
    ["GET", "/api/admin/monitors/status"],
    ["GET", "/api/admin/monitors/results/web"],
    ["GET", "/api/admin/monitors/heartbeats/x/pings"],
    ["POST", "/api/admin/monitors/heartbeats/x/token"],
    ["GET", "/api/admin/monitors/drafts"],
    ["POST", "/api/admin/monitors/drafts/drf_x/publish"],
    ["POST", "/api/admin/monitors/drafts/drf_x/dismiss"],
  ])("%s %s without a token is 401", async (method, path) => {
    const res = await fetchWorker(path, { method, headers: { "content-type": "application/json" }, body: method === "GET" ? undefined : "{}" });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
  });

  it.each([
    ["GET", "/api/admin/monitors", "monitors:read"],
    ["GET", "/api/admin/monitors/status", "monitors:read"],
    ["GET", "/api/admin/monitors/results/web", "monitors:read"],
    ["GET", "/api/admin/monitors/heartbeats/x/pings", "monitors:read"],
    ["GET", "/api/admin/monitors/drafts", "monitors:read"],
    ["PUT", "/api/admin/monitors", "monitors:write"],
    ["POST", "/api/admin/monitors/heartbeats/x/token", "monitors:write"],
    ["POST", "/api/admin/monitors/drafts/drf_x/dismiss", "monitors:write"],
    ["POST", "/api/admin/monitors/drafts/drf_x/publish", "status:write"],
  ])("%s %s without the %s scope is 403", async (method, path, scope) => {
    const res = await fetchWorker(path, { method, headers: { "content-type": "application/json", ...(await tokenWith("reports:read")) }, body: method === "GET" ? undefined : "{}" });
    expect(res.status).toBe(403);
    expect((await json<{ error: { message: string } }>(res)).error.message).toContain(scope);
  });

  it("a token with only monitors:write may replace the document", async () => {
    const res = await put({ monitors: [] }, await tokenWith("monitors:write"));
    expect([200, 201]).toContain(res.status);
  });
});

describe("PUT /api/admin/monitors", () => {
  it("stores a new version, gives each new heartbeat its ping URL once, and the URL works", async () => {
    const id = unique("hb");
    const res = await put({ monitors: [{ id: unique("web"), name: "Web", kind: "http", target: "https://www.example-hosting.test/" }], heartbeats: [heartbeat(id)] });
    expect(res.status).toBe(201);
    const body = await json<{ version: number; changed: boolean; new_heartbeat_tokens: Array<{ id: string; token: string; ping_url: string }> }>(res);
    expect(body.changed).toBe(true);
    expect(body.new_heartbeat_tokens).toEqual([{ id, token: expect.stringMatching(/^hb_[A-Za-z0-9_-]{43}$/), ping_url: expect.stringMatching(new RegExp(`/heartbeat/${body.new_heartbeat_tokens[0]!.token}$`)) }]);
    expect(await (await fetchWorker(new URL(body.new_heartbeat_tokens[0]!.ping_url).pathname)).text()).toBe("OK");

    const got = await json<{ version: number; config: { heartbeats: unknown[] } }>(await fetchWorker("/api/admin/monitors", { headers: staffHeaders() }));
    expect(got.version).toBe(body.version);
    expect(got.config.heartbeats).toEqual([expect.objectContaining({ id, urgency: "high", enabled: true })]);
    expect(JSON.stringify(got)).not.toContain(body.new_heartbeat_tokens[0]!.token);
  });

  it("the same document again changes nothing and shows no token; a new heartbeat gets one", async () => {
    const [a, b] = [unique("hb"), unique("hb")];
    const doc = { heartbeats: [heartbeat(a)] };
    expect((await put(doc)).status).toBe(201);
    const again = await put(doc);
    expect(again.status).toBe(200);
    expect(await json(again)).toMatchObject({ changed: false, new_heartbeat_tokens: [] });
    const more = await json<{ new_heartbeat_tokens: Array<{ id: string }> }>(await put({ heartbeats: [heartbeat(a), heartbeat(b)] }));
    expect(more.new_heartbeat_tokens.map((t) => t.id)).toEqual([b]);
  });

  it.each([
    ["an unknown component", { monitors: [{ id: "web", name: "Web", kind: "http", target: "https://a.example-hosting.test/", component: "cmp_nope" }] }, "monitors.0.component", 'There is no component "cmp_nope" on the status page.'],
    ["port 25", { monitors: [{ id: "mx", name: "MX", kind: "smtp", target: "mx.example-hosting.test:25", mailFrom: "m@example-hosting.test" }] }, "monitors.0.target", "Cloudflare Workers cannot connect to port 25. Probe the submission port (587), SMTPS (465) or a second listener of the MX."],
    ["a heartbeat without a schedule", { heartbeats: [{ id: "b", name: "B" }] }, "heartbeats.0.schedule", expect.any(String)],
  ])("refuses %s with a message at the field, and stores nothing", async (_n, doc, field, message) => {
    const before = await env.DB.prepare("SELECT COUNT(*) AS n FROM monitor_configs").first<{ n: number }>();
    const res = await put(doc);
    expect(res.status).toBe(400);
    const { error } = await json<{ error: { code: string; fields: Record<string, string> } }>(res);
    expect(error.code).toBe("validation_failed");
    expect(error.fields[field]).toEqual(message);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM monitor_configs").first<{ n: number }>()).toEqual(before);
  });

  it.each([
    ["not JSON", "{", { "content-type": "application/json" }, 400],
    ["form data", "a=b", { "content-type": "application/x-www-form-urlencoded" }, 415],
    ["over 512 KB", JSON.stringify({ "//": "x".repeat(600 * 1024) }), { "content-type": "application/json" }, 413],
  ])("refuses %s", async (_n, body, headers, status) => {
    const res = await fetchWorker("/api/admin/monitors", { method: "PUT", headers: { ...staffHeaders(), ...headers }, body });
    expect(res.status).toBe(status);
  });

  it("in production, refuses targets Workers cannot reach (localhost, private addresses)", async () => {
    const res = await createApp().request(
      "/api/admin/monitors",
      { method: "PUT", headers: { ...staffHeaders(), "content-type": "application/json" }, body: JSON.stringify({ monitors: [{ id: "db", name: "DB", kind: "tcp", target: "10.0.0.5:5432" }] }) },
      { ...env, ENVIRONMENT: "production" },
    );
    expect(res.status).toBe(400);
    expect((await json<{ error: { fields: Record<string, string> } }>(res)).error.fields["monitors.0.target"]).toContain("private addresses");
  });
});

describe("heartbeat tokens and logs", () => {
  it("a new token replaces the old one at once", async () => {
    const id = unique("hb");
    const { token: old } = { token: (await storeConfig({ heartbeats: [heartbeat(id)] }))[id]! };
    const res = await postJson(`/api/admin/monitors/heartbeats/${id}/token`, {}, staffHeaders());
    expect(res.status).toBe(201);
    const { token } = await json<{ token: string }>(res);
    expect((await fetchWorker(`/heartbeat/${old}`)).status).toBe(404);
    expect((await fetchWorker(`/heartbeat/${token}`)).status).toBe(200);
    expect((await postJson(`/api/admin/monitors/heartbeats/${unique("nope")}/token`, {}, staffHeaders())).status).toBe(404);
  });

  it("lists a heartbeat's pings with their bodies", async () => {
    const id = unique("hb");
    const token = (await storeConfig({ heartbeats: [heartbeat(id)] }))[id]!;
    await fetchWorker(`/heartbeat/${token}/fail`, { method: "POST", body: "FAIL disk / 95%" });
    const res = await fetchWorker(`/api/admin/monitors/heartbeats/${id}/pings`, { headers: staffHeaders() });
    expect(await json(res)).toEqual({ id, pings: [{ kind: "fail", exit_status: null, received_at: expect.any(String), body: "FAIL disk / 95%", body_bytes: 15 }] });
  });
});

describe("status and results", () => {
  it("shows each monitor's and heartbeat's status, and a monitor's results for the chart", async () => {
    const t = monitorsEnv();
    const [web, hb] = [unique("web"), unique("hb")];
    await storeConfig({ monitors: [{ id: web, name: "Web", kind: "http", target: targetUrl("/status/503"), failuresToDown: 1 }], heartbeats: [heartbeat(hb)] });
    await runMonitorsTick(t.svc, new Date(), fakeServices());
    const status = await json<{ monitors: Array<Record<string, unknown>>; heartbeats: Array<Record<string, unknown>> }>(await fetchWorker("/api/admin/monitors/status", { headers: staffHeaders() }));
    expect(status.monitors).toEqual([expect.objectContaining({ id: web, kind: "http", status: "down", last_result: "down", last_message: "HTTP 503 (expected 2xx or 3xx)." })]);
    expect(status.heartbeats).toEqual([expect.objectContaining({ id: hb, status: "up", last_ping_at: null, next_expected_at: expect.any(String), deadline: expect.any(String) })]);
    const results = await json<{ results: unknown[]; hourly: unknown[] }>(await fetchWorker(`/api/admin/monitors/results/${web}?hours=1`, { headers: staffHeaders() }));
    expect(results.results).toEqual([{ checked_at: expect.any(String), result: "down", latency_ms: expect.any(Number), message: "HTTP 503 (expected 2xx or 3xx)." }]);
    expect(results.hourly).toEqual([expect.objectContaining({ checks: 1, failures: 1 })]);
    expect((await fetchWorker(`/api/admin/monitors/results/${web}?hours=1000`, { headers: staffHeaders() })).status).toBe(400);
  });
});

describe("draft incidents", () => {
  async function outage() {
    const t = monitorsEnv();
    const id = unique("mail");
    const cmp = await makeComponent();
    await storeConfig({ monitors: [{ id, name: "Mail", kind: "http", target: targetUrl("/status/502"), failuresToDown: 1, component: cmp }] });
    await runMonitorsTick(t.svc, new Date(), fakeServices());
    const { drafts } = await json<{ drafts: Array<{ id: string; source_id: string; state: string; name: string; components: Record<string, string> }> }>(
      await fetchWorker("/api/admin/monitors/drafts", { headers: staffHeaders() }),
    );
    return { cmp, draft: drafts.find((d) => d.source_id === id)! };
  }

  it("an outage leaves a draft; one tap publishes it as an incident, a second tap is 409", async () => {
    const { cmp, draft } = await outage();
    expect(draft).toMatchObject({ state: "pending", name: `Component ${cmp}: service disruption`, components: { [cmp]: "major_outage" } });
    const res = await fetchWorker(`/api/admin/monitors/drafts/${draft.id}/publish`, { method: "POST", headers: staffHeaders() });
    expect(res.status).toBe(201);
    const { incident_id } = await json<{ incident_id: string }>(res);
    const incident = await env.DB.prepare("SELECT name, status, impact FROM incidents WHERE id = ?1").bind(incident_id).first();
    expect(incident).toEqual({ name: draft.name, status: "investigating", impact: "major" });
    expect(await componentStatus(cmp)).toBe("major_outage");
    const again = await fetchWorker(`/api/admin/monitors/drafts/${draft.id}/publish`, { method: "POST", headers: staffHeaders() });
    expect(again.status).toBe(409);
    expect((await json<{ error: { message: string } }>(again)).error.message).toBe(`This draft was published as incident ${incident_id}.`);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM incidents WHERE name = ?1").bind(draft.name).first()).toEqual({ n: 1 });
  });

  it("two taps at once publish one incident", async () => {
    const { draft } = await outage();
    const taps = await Promise.all([0, 1].map(() => fetchWorker(`/api/admin/monitors/drafts/${draft.id}/publish`, { method: "POST", headers: staffHeaders() })));
    expect(taps.map((r) => r.status).sort()).toEqual([201, 409]);
  });

  it("the words may be adjusted when publishing; bad words change nothing", async () => {
    const { draft } = await outage();
    const bad = await postJson(`/api/admin/monitors/drafts/${draft.id}/publish`, { impact: "apocalyptic" }, staffHeaders());
    expect(bad.status).toBe(400);
    expect((await json<{ error: { fields: Record<string, string> } }>(bad)).error.fields.impact).toEqual(expect.any(String));
    const res = await postJson(`/api/admin/monitors/drafts/${draft.id}/publish`, { name: "Mail is delayed", body: "Incoming mail is queued; nothing is lost." }, staffHeaders());
    const { incident_id } = await json<{ incident_id: string }>(res);
    expect(await env.DB.prepare("SELECT name FROM incidents WHERE id = ?1").bind(incident_id).first()).toEqual({ name: "Mail is delayed" });
  });

  it("a dismissed draft cannot be published", async () => {
    const { draft } = await outage();
    expect((await fetchWorker(`/api/admin/monitors/drafts/${draft.id}/dismiss`, { method: "POST", headers: staffHeaders() })).status).toBe(200);
    expect((await fetchWorker(`/api/admin/monitors/drafts/${draft.id}/publish`, { method: "POST", headers: staffHeaders() })).status).toBe(409);
    expect((await fetchWorker(`/api/admin/monitors/drafts/drf_unknown/publish`, { method: "POST", headers: staffHeaders() })).status).toBe(404);
  });
});
