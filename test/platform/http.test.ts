import { describe, expect, it } from "vitest";
import { fetchWorker } from "../helpers";

describe("HTTP behaviour every route shares", () => {
  it("answers /healthz with the database check", async () => {
    const res = await fetchWorker("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok", checks: { database: "ok" } });
  });

  it("gives unknown API paths a JSON 404 in the one error shape, with the request id", async () => {
    const res = await fetchWorker("/api/v2/nothing-here.json");
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string; message: string; requestId: string } };
    expect(body.error.code).toBe("not_found");
    expect(body.error.message).toMatch(/nothing/i);
    expect(body.error.requestId).toBe(res.headers.get("x-request-id"));
  });

  it("gives unknown pages under Worker routes the site's HTML 404 page", async () => {
    const res = await fetchWorker("/incidents/x/y/z/nothing", { headers: { accept: "text/html" } });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("text/html");
    const text = await res.text();
    expect(text).toContain("Page not found");
    expect(text).toContain("How to reach us when everything is down");
  });

  it("answers a wrong method with 405 and Allow", async () => {
    const res = await fetchWorker("/healthz", { method: "DELETE" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toContain("GET");
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("method_not_allowed");
  });

  it("answers HEAD like GET without a body", async () => {
    const res = await fetchWorker("/healthz", { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
  });

  it("sets security headers on JSON and on pages", async () => {
    for (const path of ["/healthz", "/", "/api/v2/status.json"]) {
      const res = await fetchWorker(path);
      expect(res.headers.get("strict-transport-security"), path).toMatch(/max-age=\d+/);
      expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(res.headers.get("referrer-policy"), path).toBeTruthy();
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).not.toContain("unsafe-inline");
    }
  });

  it("allows each inline style of a page by its hash, and nothing else inline", async () => {
    const res = await fetchWorker("/");
    const html = await res.text();
    const csp = res.headers.get("content-security-policy")!;
    const styles = [...html.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/g)].map((m) => m[1]!);
    expect(styles.length).toBeGreaterThan(0);
    for (const style of styles) {
      const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(style));
      const b64 = btoa(String.fromCharCode(...new Uint8Array(digest)));
      expect(csp).toContain(`'sha256-${b64}'`);
    }
  });
});
