import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { fetchWorker } from "../helpers";

describe("GET /api/v2/status.json", () => {
  it("answers the Statuspage v2 shape, open to other origins", async () => {
    const res = await fetchWorker("/api/v2/status.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const body = (await res.json()) as { page: Record<string, unknown>; status: Record<string, unknown> };
    expect(Object.keys(body.page).sort()).toEqual(["id", "name", "time_zone", "updated_at", "url"]);
    expect(Object.keys(body.status).sort()).toEqual(["description", "indicator"]);
    expect(["none", "minor", "major", "critical", "maintenance"]).toContain(body.status.indicator);
  });

  it("reflects a component in major outage", async () => {
    const now = new Date().toISOString();
    await env.DB.prepare(
      "INSERT INTO components (id, name, status, position, created_at, updated_at) VALUES ('c_status_api', 'API', 'major_outage', 0, ?1, ?1)",
    )
      .bind(now)
      .run();
    const body = (await (await fetchWorker("/api/v2/status.json")).json()) as { status: { indicator: string } };
    expect(body.status.indicator).toBe("critical");
  });
});
