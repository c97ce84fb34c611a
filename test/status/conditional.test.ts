// Conditional GETs on every cached public answer: the ETag is made once per cache entry
// (cache.ts), hono/etag answers If-None-Match with 304 and the headers a cross-site reader needs.
import { describe, expect, it } from "vitest";
import { fetchWorker } from "../helpers";
import { createIncident } from "./fixtures";

const cached = ["/", "/history", "/api/v2/summary.json", "/api/v2/status.json", "/history.atom", "/history.rss", "/badge.svg"];

describe("conditional requests", () => {
  it.each(cached)("%s: a weak ETag, and 304 without a body to a matching If-None-Match", async (path) => {
    const first = await fetchWorker(path);
    expect(first.status).toBe(200);
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^W\/"[0-9a-f]{24}"$/);
    for (const ifNoneMatch of [etag, `"other", ${etag}`, etag.slice(2), "*"]) {
      const again = await fetchWorker(path, { headers: { "if-none-match": ifNoneMatch } });
      expect(again.status, ifNoneMatch).toBe(304);
      expect(await again.text()).toBe("");
      expect(again.headers.get("etag")).toBe(etag);
      expect(again.headers.get("cache-control")).toBe(first.headers.get("cache-control"));
      expect(again.headers.get("x-request-id")).toBeTruthy();
    }
  });

  it("a 304 of the public API keeps its CORS header", async () => {
    const first = await fetchWorker("/api/v2/summary.json");
    const again = await fetchWorker("/api/v2/summary.json", { headers: { "if-none-match": first.headers.get("etag")!, origin: "https://dashboard.example.net" } });
    expect(again.status).toBe(304);
    expect(again.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("another ETag gets the whole answer", async () => {
    const res = await fetchWorker("/api/v2/status.json", { headers: { "if-none-match": 'W/"000000000000000000000000"' } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { page: unknown }).page).toBeTruthy();
  });

  it("after a staff write the old ETag no longer matches", async () => {
    const before = (await fetchWorker("/api/v2/incidents.json")).headers.get("etag")!;
    await createIncident({ name: "Changes the answer" });
    const after = await fetchWorker("/api/v2/incidents.json", { headers: { "if-none-match": before } });
    expect(after.status).toBe(200);
    expect(after.headers.get("etag")).not.toBe(before);
  });
});
