// The snapshot: every public page and file, rendered by the live routes and made into mirror
// pages by one rewriter; and a mirror render never reaches the live cache.
import { env } from "cloudflare:workers";
import { servicesOf } from "../helpers";
import { describe, expect, it } from "vitest";
import { renderSnapshot, type Snapshot } from "../../functions/mirror/snapshot";
import { createIncident as createIncidentAt } from "../../functions/status/writes";
import { fetchWorker, BASE } from "../helpers";
import { createIncident, createMaintenance, hoursFromNow, makeComponents, postUpdate } from "../status/fixtures";

const MIRROR = "https://status.example.net";

async function snapshot(now = new Date()): Promise<Snapshot> {
  return renderSnapshot(env, { liveUrl: BASE, mirrorUrl: MIRROR, now });
}

const text = (s: Snapshot, path: string) => {
  const file = s.files.find((f) => f.path === path);
  if (!file) throw new Error(`the snapshot has no ${path}; it has ${s.files.map((f) => f.path).join(", ")}`);
  return new TextDecoder().decode(file.body);
};

describe("the snapshot", () => {
  it("holds every page, the Statuspage JSON, both feeds, the badge, the banner script and the assets the pages use", async () => {
    const { ids } = await makeComponents(1);
    const incident = await createIncident({ name: "Snapshot incident", components: { [ids[0]!]: "partial_outage" } });
    await postUpdate(incident, { status: "resolved", body: "Fixed.", postmortem_slug: "outgoing-mail-delays" });
    const maintenance = await createMaintenance({ name: "Snapshot maintenance", scheduled_for: hoursFromNow(24), scheduled_until: hoursFromNow(25), components: [ids[0]!] });
    const s = await snapshot();
    const paths = s.files.map((f) => f.path);
    for (const path of [
      "/",
      "/history",
      "/404",
      "/_mirror/incident",
      `/incidents/${incident}`,
      `/maintenance/${maintenance}`,
      "/postmortems/outgoing-mail-delays",
      "/api/v2/summary.json",
      "/api/v2/status.json",
      "/api/v2/components.json",
      "/api/v2/incidents.json",
      "/api/v2/incidents/unresolved.json",
      "/api/v2/scheduled-maintenances.json",
      "/api/v2/scheduled-maintenances/upcoming.json",
      "/api/v2/scheduled-maintenances/active.json",
      "/history.atom",
      "/history.rss",
      "/badge.svg",
      "/embed.js",
      "/favicon.svg",
      "/logo.svg",
      "/local-time.js",
    ]) {
      expect(paths, path).toContain(path);
    }
    // Nothing only the Worker can answer.
    expect(paths.filter((p) => /^\/(report|r|admin|ack|subscribe)(\/|$)/.test(p))).toEqual([]);
    expect(s.files.find((f) => f.path === "/")!.contentType).toBe("text/html; charset=utf-8");
    expect(s.files.find((f) => f.path === "/api/v2/summary.json")!.contentType).toMatch(/^application\/json/);
    expect(s.files.find((f) => f.path === "/history.atom")!.contentType).toMatch(/^application\/atom\+xml/);
    expect(s.files.find((f) => f.path === "/badge.svg")!.contentType).toMatch(/^image\/svg\+xml/);
  });

  it("is the live page plus a discreet mirror line with the sync time, on every page", async () => {
    const { ids } = await makeComponents(1);
    const incident = await createIncident({ name: "Mirror line <b>check</b>", components: { [ids[0]!]: "degraded_performance" } });
    const now = new Date();
    const s = await snapshot(now);
    const live = await (await fetchWorker(`/incidents/${incident}`)).text();
    const mirrored = text(s, `/incidents/${incident}`);
    // The same renderers: the live detail markup is in the mirror page as it is.
    const detail = /<div data-slot="detail">[\s\S]*?<\/ol>/.exec(live)![0];
    expect(mirrored).toContain(detail);
    expect(mirrored).toContain("Mirror line &lt;b&gt;check&lt;/b&gt;");
    for (const f of s.files.filter((f) => f.contentType.startsWith("text/html"))) {
      const page = new TextDecoder().decode(f.body);
      expect(page, f.path).toContain(`This is a copy of <a href="${BASE}/">127.0.0.1:8787</a> on another provider`);
      expect(page, f.path).toContain(`Synced <time datetime="${now.toISOString()}">`);
      expect(page, f.path).not.toMatch(/data-slot="mirror-note"[^>]*hidden/);
      // The static host sends no headers of ours: the policy travels in the page.
      expect(page, f.path).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src &#39;self&#39;;[^"]*form-action &#39;self&#39;">/);
      expect(page, f.path).not.toContain("frame-ancestors");
      // No form (it needs the Worker); the contacts do not.
      expect(page, f.path).not.toContain('href="/report"');
      expect(page, f.path).toContain('href="#contacts-title"');
      expect(page, f.path).toContain("How to reach us when everything is down");
      expect(page, f.path).not.toContain('data-slot="contact-mirror"');
      expect(page, f.path).not.toContain("Request id:");
    }
    expect(mirrored).toContain(`<link rel="canonical" href="${BASE}/incidents/${incident}">`);
    expect(text(s, "/404")).toContain("Page not found");
  });

  it("links history pages a static host can serve, and its JSON and feeds point at the mirror", async () => {
    await makeComponents(1);
    const old = await createIncidentAt(servicesOf(), { name: "Old enough for page 2", status: "resolved", impact: "minor", body: "Long ago.", components: {} }, "test", new Date(Date.now() - 150 * 86_400_000));
    const s = await snapshot();
    const history = text(s, "/history");
    expect(history).not.toContain("/history?page=");
    expect(history).toContain('href="/history/2" rel="next"');
    expect(text(s, "/history/2")).toContain('href="/history" rel="prev"');
    expect(s.files.map((f) => f.path)).toContain(`/incidents/${old}`);
    const summary = JSON.parse(text(s, "/api/v2/summary.json")) as { page: { url: string }; incidents: Array<{ shortlink: string }> };
    expect(summary.page.url).toBe(MIRROR);
    for (const i of summary.incidents) expect(i.shortlink.startsWith(`${MIRROR}/incidents/`)).toBe(true);
    expect(text(s, "/history.atom")).toContain(`${MIRROR}/`);
    // The banner script asks the live site first, then the mirror.
    const embed = text(s, "/embed.js");
    expect(embed).toContain(`["${BASE}", "${MIRROR}"]`);
  });

  it("keeps the hash of a page that did not change, whatever its sync time", async () => {
    await makeComponents(1);
    const first = await snapshot(new Date("2026-12-01T10:00:00.000Z"));
    const second = await snapshot(new Date("2026-12-01T11:00:00.000Z"));
    const hashes = (s: Snapshot) => new Map(s.files.map((f) => [f.path, f.sha256]));
    const a = hashes(first);
    const b = hashes(second);
    expect(text(first, "/history")).not.toBe(text(second, "/history"));
    for (const path of ["/history", "/404", "/_mirror/incident", "/api/v2/summary.json", "/favicon.svg"]) expect(b.get(path), path).toBe(a.get(path));
  });

  it("never enters the live cache: the live pages and JSON are the live ones after a snapshot", async () => {
    await makeComponents(1);
    await snapshot();
    for (const path of ["/", "/history", "/api/v2/summary.json", "/history.atom", "/embed.js"]) {
      const body = await (await fetchWorker(path)).text();
      expect(body, path).not.toContain(`${MIRROR}/incidents`);
      expect(body, path).not.toContain("This is a copy of");
      expect(body, path).not.toContain("<!--mirror:");
    }
    const summary = (await (await fetchWorker("/api/v2/summary.json")).json()) as { page: { url: string } };
    expect(summary.page.url).toBe(env.PUBLIC_URL);
  });

  it("fails when the database does, rather than publish the 'live status unavailable' page", async () => {
    const brokenDb = new Proxy({} as D1Database, {
      get() {
        return () => {
          throw new Error("D1 is unreachable (simulated)");
        };
      },
    });
    await expect(renderSnapshot({ ...env, DB: brokenDb }, { liveUrl: BASE, mirrorUrl: MIRROR, now: new Date() })).rejects.toThrow(/unreachable/);
  });
});
