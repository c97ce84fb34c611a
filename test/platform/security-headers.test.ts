// The security headers every Worker response gets, and what a route may set for itself.
// Headers a route sets must survive the global middleware (issue 8: the acknowledgement page's
// `Referrer-Policy: no-referrer` was overwritten, leaking the ack link, a credential, in the
// Referer of any link followed from the page).
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { signAckToken } from "../../functions/alerts/ack-token";
import { handleReportReceived } from "../../functions/alerts/lifecycle";
import { createApp } from "../../functions/app";
import { alertOfReport, insertReport, pushConfig, testEnv } from "../alerts/helpers";
import { fetchWorker, unique } from "../helpers";

const app = createApp();

beforeAll(async () => {
  await pushConfig({
    version: 1,
    people: [{ id: "robin", name: "Robin", timezone: "UTC", contactMethods: [{ type: "email", address: "robin@ops.example.test" }] }],
    policies: [{ id: "only", levels: [{ timeoutMinutes: 5, targets: [{ person: "robin" }] }] }],
    routing: { defaultPolicy: "only" },
  });
});

describe("a route's own security header wins over the global default", () => {
  it("GET /ack/{token} keeps Referrer-Policy: no-referrer (the link is a credential)", async () => {
    const t = testEnv();
    const report = await insertReport({ subject: "Mail bounces", componentId: unique("cmp") });
    await handleReportReceived(t.svc, report.job, new Date());
    const alertId = (await alertOfReport(report.id))!;
    expect(alertId).toBeTruthy();
    const token = await signAckToken(env.ACK_SIGNING_KEY, { alertId, personId: "robin", expiresAt: new Date(Date.now() + 3_600_000) });

    const res = await app.request(`https://status.example-hosting.test/ack/${token}`, undefined, t.env);
    expect(res.status).toBe(200);
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    // Every other default is still there.
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("strict-transport-security")).toBe("max-age=63072000; includeSubDomains");
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });

  it("a page without its own policy gets the default Referrer-Policy", async () => {
    const res = await fetchWorker("/");
    expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
  });
});

describe("every response has the same set of headers, whatever built it", () => {
  const expected = {
    "strict-transport-security": "max-age=63072000; includeSubDomains",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "cross-origin-opener-policy": "same-origin",
  };

  it.each([
    ["a live page (a Response built from the ASSETS shell)", "/", "text/html"],
    ["the v2 API", "/api/v2/status.json", "application/json"],
    ["a static script served through the Worker (ASSETS headers are immutable)", "/embed.js", "javascript"],
    ["a JSON 401 from a guard", "/api/admin/whoami", "application/json"],
    ["a JSON 404 where no route matched", "/api/v2/nothing.json", "application/json"],
    ["an HTML 404 from a route", "/incidents/nothing-here", "text/html"],
    ["an HTML 404 where no route matched", "/incidents/a/b/c", "text/html"],
  ])("%s", async (_name, path, type) => {
    const res = await fetchWorker(path, { headers: { accept: "text/html" } });
    expect(res.headers.get("content-type")).toContain(type);
    for (const [name, value] of Object.entries(expected)) expect(res.headers.get(name), `${path} ${name}`).toBe(value);
    const csp = res.headers.get("content-security-policy")!;
    // A static file keeps the policy dist/_headers gives it; a page gets the hashes of the
    // build; anything else may load nothing.
    if (type === "text/html" || type === "javascript") expect(csp).toMatch(/^default-src 'self'; script-src 'self'.*frame-ancestors 'none'$/);
    else expect(csp).toBe("default-src 'none'; frame-ancestors 'none'");
    // Nothing beyond what we chose (a library default such as CORP: same-origin would stop
    // other sites from showing the badge).
    expect(res.headers.get("cross-origin-resource-policy"), path).toBe(path === "/embed.js" ? "cross-origin" : null);
    expect(res.headers.get("x-xss-protection"), path).toBeNull();
  });
});

describe("request ids", () => {
  it.each(["/", "/api/v2/status.json", "/history.atom", "/badge.svg", "/healthz"])("%s carries X-Request-Id", async (path) => {
    const res = await fetchWorker(path);
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("uses Cloudflare's Ray id when there is one, and never an id the client chose", async () => {
    const ray = await fetchWorker("/healthz", { headers: { "cf-ray": "8f1e2d3c4b5a6978-AMS" } });
    expect(ray.headers.get("x-request-id")).toBe("8f1e2d3c4b5a6978-AMS");
    const chosen = await fetchWorker("/api/v2/nothing.json", { headers: { "x-request-id": "attacker-chosen-id" } });
    const id = chosen.headers.get("x-request-id");
    expect(id).not.toBe("attacker-chosen-id");
    expect(((await chosen.json()) as { error: { requestId: string } }).error.requestId).toBe(id);
  });
});
