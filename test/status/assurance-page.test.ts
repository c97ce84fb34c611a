// The status page's assurance parts: the response-time charts of monitored components, and
// "we are receiving reports of problems with ..." (reports as a signal: opt-in per component,
// or one staff tap; never for a component that did not opt in).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { fetchWorker, postJson, staffHeaders, unique } from "../helpers";
import { forgetVersion } from "../../functions/status/cache";
import { makeComponents } from "./fixtures";

/** Rows written behind the API's back: the next page render must not come from the cache. */
async function bumpVersion() {
  await env.DB.prepare("UPDATE status_meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'version'").run();
  forgetVersion(env.DB);
}

async function fileReports(componentId: string, count: number, minutesAgo = 1) {
  const at = new Date(Date.now() - minutesAgo * 60_000).toISOString();
  await env.DB.batch(
    Array.from({ length: count }, (_, i) => {
      const id = unique("rep");
      return env.DB.prepare(
        `INSERT INTO reports (id, reference, view_token_hash, channel, state, urgency, subject, component_id, text_hash, created_at, reporter_email)
         VALUES (?1, ?2, 'x', 'web', 'new', 'high', 'Mail is down', ?3, ?4, ?5, ?6)`,
      ).bind(id, `R-${id.slice(-8).toUpperCase()}`, componentId, id, at, `customer${i}-${id}@example.test`);
    }),
  );
  await bumpVersion();
}

const putJson = (path: string, body: unknown, headers: Record<string, string>) =>
  fetchWorker(path, { method: "PUT", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

const home = async () => (await fetchWorker("/")).text();

describe("reports as a signal", () => {
  it("says so on the page for an opted-in component past the threshold, and not before", async () => {
    const { ids } = await makeComponents(1);
    const [mail] = ids as [string];
    expect((await putJson(`/api/admin/report-signals/components/${mail}`, { opted_in: true }, staffHeaders())).status).toBe(200);
    await fileReports(mail, 4);
    expect(await home()).not.toContain(`reports of problems with Component ${mail}`);
    await fileReports(mail, 1);
    expect(await home()).toContain(`We are receiving reports of problems with Component ${mail} and are investigating.`);
  });

  it("says nothing for a component that did not opt in, however many report it", async () => {
    const { ids } = await makeComponents(1);
    const [web] = ids as [string];
    await fileReports(web, 30);
    expect(await home()).not.toContain(`reports of problems with Component ${web}`);
  });

  it("counts only reports within the window, and each reporter once", async () => {
    const { ids } = await makeComponents(1);
    const [dns] = ids as [string];
    await putJson(`/api/admin/report-signals/components/${dns}`, { opted_in: true }, staffHeaders());
    await fileReports(dns, 10, 60); // an hour ago: outside the 10-minute window
    const at = new Date().toISOString();
    await env.DB.batch(
      Array.from({ length: 8 }, () => {
        const id = unique("rep");
        return env.DB.prepare(
          `INSERT INTO reports (id, reference, view_token_hash, channel, state, urgency, subject, component_id, text_hash, created_at, reporter_email)
           VALUES (?1, ?2, 'x', 'web', 'new', 'high', 'down', ?3, ?1, ?4, 'same-person@example.test')`,
        ).bind(id, `R-${id.slice(-8).toUpperCase()}`, dns, at);
      }),
    );
    await bumpVersion();
    expect(await home()).not.toContain(`reports of problems with Component ${dns}`);
  });

  it("shows one alert after one staff tap, with staff's words escaped, and hides it again", async () => {
    const alertId = unique("alt");
    const res = await postJson("/api/admin/report-signals/shown", { alert: alertId, label: "webmail & calendar" }, staffHeaders());
    expect(res.status).toBe(201);
    await bumpVersion();
    expect(await home()).toContain("We are receiving reports of problems with webmail &amp; calendar and are investigating.");
    expect((await fetchWorker(`/api/admin/report-signals/shown/alert:${alertId}`, { method: "DELETE", headers: staffHeaders() })).status).toBe(204);
    await bumpVersion();
    expect(await home()).not.toContain("webmail &amp; calendar");
  });

  it("refuses markup in a label, an alert without words, and anyone without a staff token", async () => {
    const bad = await postJson("/api/admin/report-signals/shown", { alert: "alt_1", label: "<b>x</b>" }, staffHeaders());
    expect(bad.status).toBe(400);
    expect((await postJson("/api/admin/report-signals/shown", { alert: "alt_1" }, staffHeaders())).status).toBe(400);
    expect((await postJson("/api/admin/report-signals/shown", { alert: "alt_1", label: "Mail" })).status).toBe(401);
    expect((await putJson("/api/admin/report-signals/components/x", { opted_in: true }, {})).status).toBe(401);
    expect((await putJson(`/api/admin/report-signals/components/${unique("none")}`, { opted_in: true }, staffHeaders())).status).toBe(404);
  });
});

describe("response-time charts", () => {
  it("show a monitored component's response time over 24 hours and 90 days as inline SVG", async () => {
    const { ids } = await makeComponents(2);
    const [monitored, plain] = ids as [string, string];
    const monitorId = unique("mon");
    await env.DB.prepare("INSERT INTO monitor_configs (document, sha256, created_at, created_by) VALUES (?1, ?2, ?3, 'test')")
      .bind(JSON.stringify({ version: 1, monitors: [{ id: monitorId, kind: "http", component: monitored }], heartbeats: [] }), unique("sha"), new Date().toISOString())
      .run();
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    await env.DB.batch(
      [0, 1, 2, 30, 24 * 10, 24 * 40].map((h, i) =>
        env.DB.prepare("INSERT INTO monitor_hourly (monitor_id, hour, checks, failures, latency_count, latency_sum_ms, latency_max_ms) VALUES (?1, ?2, 60, 0, 60, ?3, 400)")
          .bind(monitorId, new Date(hour - h * 3_600_000).toISOString(), 60 * (100 + i * 20)),
      ),
    );
    await bumpVersion();
    const page = await home();
    const item = (id: string) => page.slice(page.indexOf(`Component ${id}`), page.indexOf("</li>", page.indexOf(`Component ${id}`)));
    expect(item(monitored)).toMatch(/<svg viewBox="0 0 92 24"[^>]*role="img" aria-label="Component [^"]+: response time over 24 hours, average \d+ ms/);
    expect(item(monitored)).toContain("response time over 90 days");
    expect(item(monitored)).toMatch(/<path d="M\d/);
    expect(item(plain)).not.toContain("Response time");
    // Drawn by the server: the chart brings no script of its own.
    expect(item(monitored)).not.toContain("<script");
  });
});
