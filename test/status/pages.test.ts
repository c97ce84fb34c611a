// The live pages, feeds and badge through the real Worker entry; and what happens when D1 fails.
import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../functions/app";
import { fetchWorker, BASE } from "../helpers";
import { createIncident, makeComponents, postUpdate } from "./fixtures";

/** A D1 binding that fails every query, as when the database is unreachable. */
const brokenDb = new Proxy({} as D1Database, {
  get() {
    return () => {
      throw new Error("D1 is unreachable (simulated)");
    };
  },
});

async function fetchWithBrokenDb(path: string): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await createApp().fetch(new Request(new URL(path, BASE)), { ...env, DB: brokenDb }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe("the home page", () => {
  it("is the shell filled with live data: banner, incidents, groups with bars, contacts", async () => {
    const { ids } = await makeComponents(2);
    const id = await createIncident({ name: "Page <script>alert(1)</script> test", impact: "major", components: { [ids[0]!]: "major_outage" } });
    const res = await fetchWorker("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const page = await res.text();
    expect(page).not.toContain('data-slot="live-unavailable"');
    expect(page).toMatch(/data-indicator="major"/);
    expect(page).toContain(`href="/incidents/${id}"`);
    // What staff write is text, never markup.
    expect(page).toContain("Page &lt;script&gt;alert(1)&lt;/script&gt; test");
    expect(page).not.toContain("<script>alert(1)</script>");
    expect(page).toContain('<details class="group card" open>');
    expect(page).toMatch(new RegExp(`aria-label="Component ${ids[0]}, last 90 days: [0-9.]+ % uptime`));
    expect(page).toContain("How to reach us when everything is down");
    // Every social account that files reports is listed, each a link to its profile.
    expect(page).toContain('<a href="https://x.com/examplehosting" rel="noopener">@examplehosting</a>');
    expect(page).toContain('<a href="https://mastodon.example/@examplehosting" rel="noopener">@examplehosting@mastodon.example</a>');
    expect(page).toContain('<a href="https://bsky.app/profile/status.example-hosting.test" rel="noopener">@status.example-hosting.test</a>');
    expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
  });

  it("ignores query parameters it does not use (they are not cache keys)", async () => {
    await fetchWorker("/");
    const res = await fetchWorker(`/?utm=${crypto.randomUUID()}`);
    expect(res.headers.get("x-status-cache")).toBe("memory");
  });

  it("answers a conditional request with 304 while nothing changed", async () => {
    const first = await fetchWorker("/");
    const etag = first.headers.get("etag");
    expect(etag).toBeTruthy();
    expect((await fetchWorker("/", { headers: { "if-none-match": etag! } })).status).toBe(304);
  });
});

describe("when D1 fails", () => {
  it("every live page is still the shell with the notice, never 5xx", async () => {
    for (const path of ["/", "/history", "/incidents/inc_x", "/maintenance/mnt_x"]) {
      const res = await fetchWithBrokenDb(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("cache-control"), path).toBe("no-store");
      const page = await res.text();
      expect(page, path).toContain("Live status is unavailable right now.");
    }
  });

  it("the notice tells the time of the last state this Worker read", async () => {
    await fetchWorker("/"); // a successful read
    const page = await (await fetchWithBrokenDb("/")).text();
    expect(page).toMatch(/The last state we could read was .* at <time datetime="[^"]+Z">/);
    expect(page).toContain('data-indicator="unknown"');
  });

  it("the API answers the last good answer when it has one, else 503 with Retry-After", async () => {
    await fetchWorker("/api/v2/summary.json");
    const stale = await fetchWithBrokenDb("/api/v2/summary.json");
    expect(stale.status).toBe(200);
    expect(stale.headers.get("x-status-cache")).toBe("stale");
    const none = await fetchWithBrokenDb("/api/v2/scheduled-maintenances/active.json");
    expect(none.status).toBe(503);
    expect(none.headers.get("retry-after")).toBe("10");
  });

  it("the badge says the status is unavailable", async () => {
    const res = await fetchWithBrokenDb("/badge.svg");
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("status unavailable");
  });
});

describe("history, incident and maintenance pages", () => {
  it("history lists a resolved incident under its month and refuses a bad page number", async () => {
    const id = await createIncident({ name: "Resolved for history" });
    await postUpdate(id, { status: "resolved", body: "Done." });
    const page = await (await fetchWorker("/history")).text();
    expect(page).toContain(`href="/incidents/${id}"`);
    expect(page).toMatch(/<h2 id="m-\d{4}-\d{2}">\w+ \d{4}<\/h2>/);
    expect((await fetchWorker("/history?page=0")).status).toBe(400);
    expect((await fetchWorker("/history?page=abc")).status).toBe(400);
    expect((await fetchWorker("/history?page=3")).status).toBe(200);
  });

  it("an incident page shows every update, newest first, and 404s for an unknown id", async () => {
    const id = await createIncident({ name: "Timeline", body: "First words." });
    await postUpdate(id, { status: "identified", body: "Second words.\n\nNew paragraph." });
    const page = await (await fetchWorker(`/incidents/${id}`)).text();
    expect(page).toContain("<title>Timeline · ");
    expect(page.indexOf("Second words.")).toBeLessThan(page.indexOf("First words."));
    expect(page).toContain("<p>New paragraph.</p>");
    expect((await fetchWorker("/incidents/inc_unknown")).status).toBe(404);
    // An incident is not a maintenance.
    expect((await fetchWorker(`/maintenance/${id}`)).status).toBe(404);
  });

  it("postmortems are static pages; an unknown one is 404", async () => {
    const res = await fetchWorker("/postmortems/outgoing-mail-delays");
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Postmortem: delays in outgoing mail");
    expect((await fetchWorker("/postmortems/no-such-thing")).status).toBe(404);
    expect((await fetchWorker("/postmortems/..%2Fadmin")).status).toBe(404);
  });
});

describe("feeds, badge, embed", () => {
  it("the Atom feed has stable ids and the incident's last update time", async () => {
    const id = await createIncident({ name: "Feed & check" });
    await postUpdate(id, { status: "monitoring", body: "Watching <closely>." });
    const res = await fetchWorker("/history.atom");
    expect(res.headers.get("content-type")).toBe("application/atom+xml; charset=utf-8");
    const xml = await res.text();
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"')).toBe(true);
    const entry = xml.slice(xml.indexOf(`<id>${env.PUBLIC_URL}/incidents/${id}</id>`));
    expect(entry).toContain("<title>Feed &amp; check</title>");
    const updatedAt = (await env.DB.prepare("SELECT updated_at FROM incidents WHERE id = ?1").bind(id).first<{ updated_at: string }>())!.updated_at;
    expect(entry).toContain(`<updated>${updatedAt}</updated>`);
    expect(entry).toContain("Watching &amp;lt;closely&amp;gt;.");
  });

  it("the RSS feed has permalink guids and RFC 822 dates", async () => {
    const id = await createIncident({ name: "RSS check" });
    const xml = await (await fetchWorker("/history.rss")).text();
    expect(xml).toContain('<rss version="2.0"');
    expect(xml).toContain(`<guid isPermaLink="true">${env.PUBLIC_URL}/incidents/${id}</guid>`);
    expect(xml).toMatch(/<pubDate>\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT<\/pubDate>/);
  });

  it("the badge is an SVG with an accessible title", async () => {
    const res = await fetchWorker("/badge.svg");
    expect(res.headers.get("content-type")).toBe("image/svg+xml; charset=utf-8");
    const svg = await res.text();
    expect(svg).toMatch(/role="img" aria-label="status: [^"]+"/);
    expect(svg).toMatch(/<title>status: [^<]+<\/title>/);
  });

  it("the embed script is at most 2 KB gzipped", async () => {
    const res = await fetchWorker("/embed.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/javascript/);
    const gz = await new Response((await res.blob()).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer();
    expect(gz.byteLength).toBeLessThanOrEqual(2048);
  });
});
