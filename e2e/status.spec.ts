// The status page as customers, staff and integrations meet it, in Chromium, with
// JavaScript on and off, against the server `npm start` runs (seeded with demo data).
import { spawnSync } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { APIRequestContext, Page } from "@playwright/test";
import { E2E_PORT } from "../playwright.config";
import { expect, expectNoAxeViolations, test, watchConsole } from "./fixtures";

const PUBLIC_PAGES = [
  "/",
  "/history",
  "/history?page=2",
  "/incidents/inc_demo_mail_delay",
  "/maintenance/mnt_demo_network",
  "/postmortems/outgoing-mail-delays",
];

/** Reloads `path` until `check` passes: a staff change must show within 10 s. */
async function eventually(page: Page, path: string, check: () => Promise<void>): Promise<void> {
  await expect(async () => {
    await page.goto(path);
    await check();
  }).toPass({ timeout: 10_000, intervals: [250, 500, 1000] });
}

async function newIncident(staffApi: APIRequestContext, name: string): Promise<string> {
  const res = await staffApi.post("/api/admin/incidents", {
    data: { name, status: "investigating", impact: "major", body: `We are investigating: ${name}.`, components: { cmp_webmail: "partial_outage" } },
  });
  expect(res.status(), await res.text()).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function resolve(staffApi: APIRequestContext, id: string): Promise<void> {
  const res = await staffApi.post(`/api/admin/incidents/${id}/updates`, { data: { status: "resolved", body: "This is fixed." } });
  expect(res.status(), await res.text()).toBe(201);
}

test.describe("public pages", () => {
  for (const path of PUBLIC_PAGES) {
    test(`${path} renders live data, with no console errors and no axe violations (light and dark)`, async ({ page }) => {
      const consoleWatch = watchConsole(page);
      const res = await page.goto(path);
      expect(res!.status()).toBe(200);
      await expect(page.locator("[data-slot=live-unavailable]")).toHaveCount(0);
      await expect(page.getByRole("heading", { name: "How to reach us when everything is down" })).toBeVisible();
      await expectNoAxeViolations(page);
      await page.emulateMedia({ colorScheme: "dark" });
      await expectNoAxeViolations(page);
      expect(consoleWatch.errors).toEqual([]);
    });
  }

  test("the home page shows groups with 90-day bars and uptime, readable at 320 px", async ({ page }) => {
    await page.setViewportSize({ width: 320, height: 800 });
    await page.goto("/");
    // The demo's three groups, each known by its name and one of its components (the hub
    // spec's imports add groups of their own, one also named Hosting, placed among them), and its
    // history in the bars (other spec files may add a day with an incident of their own).
    const group = (name: string, member: string) =>
      page.locator("details.group").filter({ has: page.locator(".group-name", { hasText: new RegExp(`^${name}$`) }) }).filter({ hasText: member });
    for (const [name, member] of [["Hosting", "Databases"], ["Email", "Webmail"], ["Network", "DNS"]] as const) await expect(group(name, member)).toHaveCount(1);
    const hosting = group("Hosting", "Databases");
    await expect(hosting).toHaveAttribute("open", "");
    const bars = hosting.getByRole("img", { name: /^Web hosting, last 90 days: 99\.\d+ % uptime; [1-9]\d* days? with incidents or maintenance\.$/ });
    await expect(bars).toBeVisible();
    await expect(page.getByText(/Uptime 30 d .* · 90 d 99\.\d+ %/).first()).toBeVisible();
    await expect(page.getByRole("heading", { name: "Upcoming maintenance" })).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    // Groups collapse.
    await hosting.locator("summary").click();
    await expect(hosting).not.toHaveAttribute("open", "");
  });

  test("an incident links to its postmortem, and the history paginates", async ({ page }) => {
    await page.goto("/history");
    await page.getByRole("link", { name: "Delays in outgoing mail" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Delays in outgoing mail" })).toBeVisible();
    await page.getByRole("link", { name: "Read the postmortem" }).click();
    await expect(page).toHaveURL(/\/postmortems\/outgoing-mail-delays$/);
    await expect(page.getByRole("heading", { level: 1, name: /Postmortem/ })).toBeVisible();
    await page.goto("/history");
    await page.getByRole("link", { name: "Older →" }).click();
    await expect(page).toHaveURL(/\/history\?page=2$/);
    await expect(page.getByRole("link", { name: "← Newer" })).toBeVisible();
  });

  test("an unknown incident is a 404 page with the contacts", async ({ page }) => {
    const res = await page.goto("/incidents/inc_nothing_here");
    expect(res!.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "How to reach us when everything is down" })).toBeVisible();
  });
});

test.describe("times", () => {
  test.use({ timezoneId: "America/New_York" });
  test("are shown in the reader's zone with JavaScript", async ({ page }) => {
    await page.goto("/incidents/inc_demo_mail_delay");
    const first = page.locator(".timeline time").first();
    // New York is UTC-5 in November (UTC-4 in summer): the script shows the reader's offset.
    await expect(first).toHaveText(/^\d{1,2} \w{3} \d{4}, \d{2}:\d{2} UTC-[45]$/);
    expect(await first.getAttribute("datetime")).toMatch(/Z$/);
  });
});

test.describe("a staff change, as customers and integrations see it", () => {
  test("an incident shows on the page, both feeds and summary.json within 10 s; resolving moves it to history", async ({ page, staffApi, request }) => {
    const name = `Webmail errors ${Date.now()}`;
    const id = await newIncident(staffApi, name);

    await eventually(page, "/", async () => {
      await expect(page.getByRole("heading", { name: "Active incidents" })).toBeVisible();
      await expect(page.getByRole("link", { name })).toBeVisible();
    });
    await expect(page.locator("[data-slot=overall]")).toHaveAttribute("data-indicator", "major");
    await expect(page.locator("details.group", { hasText: "Webmail" }).getByText("Partial outage").first()).toBeVisible();

    const summary = (await (await request.get("/api/v2/summary.json")).json()) as { incidents: Array<{ id: string; name: string }> };
    expect(summary.incidents.map((i) => i.id)).toContain(id);
    for (const feed of ["/history.atom", "/history.rss"]) {
      const text = await (await request.get(feed)).text();
      expect(text).toContain(name);
      expect(text).toContain(`/incidents/${id}`);
    }
    await page.goto(`/incidents/${id}`);
    await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
    await expectNoAxeViolations(page);

    await resolve(staffApi, id);
    await eventually(page, "/", async () => {
      await expect(page.getByRole("link", { name })).toHaveCount(0);
    });
    await expect(page.locator("[data-slot=overall]")).toHaveAttribute("data-indicator", "none");
    await page.goto("/history");
    await expect(page.getByRole("link", { name })).toBeVisible();
    const unresolved = (await (await request.get("/api/v2/incidents/unresolved.json")).json()) as { incidents: Array<{ id: string }> };
    expect(unresolved.incidents.map((i) => i.id)).not.toContain(id);
  });

  test("a maintenance window that has begun puts its components under maintenance", async ({ page, staffApi }) => {
    const now = Date.now();
    const res = await staffApi.post("/api/admin/maintenances", {
      data: {
        name: "DNS server replacement",
        body: "We are replacing a name server.",
        scheduled_for: new Date(now - 60_000).toISOString(),
        scheduled_until: new Date(now + 3_600_000).toISOString(),
        components: ["cmp_dns"],
      },
    });
    expect(res.status()).toBe(201);
    const { id } = (await res.json()) as { id: string };
    await eventually(page, "/", async () => {
      await expect(page.getByRole("link", { name: "DNS server replacement" })).toBeVisible();
    });
    await expect(page.locator("[data-slot=overall]")).toHaveAttribute("data-indicator", "maintenance");
    await expect(page.locator("li.component", { hasText: "Authoritative name servers" }).locator(".component-head .status")).toHaveText("Under maintenance");
    // Completed by staff: the component is operational again.
    const done = await staffApi.post(`/api/admin/incidents/${id}/updates`, { data: { status: "completed", body: "Done early." } });
    expect(done.status()).toBe(201);
    await eventually(page, "/", async () => {
      await expect(page.getByRole("link", { name: "DNS server replacement" })).toHaveCount(0);
    });
  });

  test("the embed shows an active incident on a customer's site, and nothing when all is well", async ({ page, staffApi }) => {
    // A real server on another port stands for the customer's site (another origin; Chromium
    // lets a loopback page fetch from loopback only).
    const site = createServer((_req, res) => {
      res.setHeader("content-type", "text/html");
      res.end(`<!doctype html><html lang="en"><title>Customer</title><main><h1>Customer site</h1></main><script src="http://127.0.0.1:${E2E_PORT}/embed.js"></script></html>`);
    });
    await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
    const customer = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
    test.info().attach("customer site", { body: customer });
    await page.goto(customer);
    await page.waitForLoadState("networkidle");
    await expect(page.getByRole("region", { name: /status/ })).toHaveCount(0);

    const name = `Embed check ${Date.now()}`;
    const id = await newIncident(staffApi, name);
    await expect(async () => {
      await page.goto(customer);
      await expect(page.getByRole("region", { name: /status/ }).getByRole("link", { name })).toBeVisible({ timeout: 1000 });
    }).toPass({ timeout: 10_000 });
    await resolve(staffApi, id);
    site.close();
  });

  test("the badge and embed script are small and self-describing", async ({ request }) => {
    const badge = await request.get("/badge.svg");
    expect(badge.headers()["content-type"]).toMatch(/^image\/svg\+xml/);
    expect(await badge.text()).toMatch(/<title>status: [^<]+<\/title>/);
    const embed = await request.get("/embed.js");
    expect(embed.status()).toBe(200);
    const { gzipSync } = await import("node:zlib");
    expect(gzipSync(await embed.body()).length).toBeLessThanOrEqual(2048);
  });

  test("the feeds are well-formed Atom 1.0 and RSS 2.0", async ({ page, request }) => {
    await page.goto("/");
    for (const [path, root] of [
      ["/history.atom", "feed"],
      ["/history.rss", "rss"],
    ] as const) {
      const text = await (await request.get(path)).text();
      const result = await page.evaluate(
        ([xml]) => {
          const doc = new DOMParser().parseFromString(xml!, "application/xml");
          return { error: doc.querySelector("parsererror")?.textContent ?? null, root: doc.documentElement.localName, entries: doc.querySelectorAll("entry, item").length };
        },
        [text],
      );
      expect(result).toMatchObject({ error: null, root });
      expect(result.entries).toBeGreaterThan(0);
    }
  });
});

test.describe("with JavaScript off", () => {
  test.use({ javaScriptEnabled: false });
  test("the page is live and current, times in UTC", async ({ page, staffApi }) => {
    const name = `No-JS incident ${Date.now()}`;
    const id = await newIncident(staffApi, name);
    await eventually(page, "/", async () => {
      await expect(page.getByRole("link", { name })).toBeVisible();
    });
    await expect(page.locator("[data-slot=updated] time")).toHaveText(/UTC$/);
    await resolve(staffApi, id);
  });
});

// Last: it breaks the database for a moment (and mends it).
test.describe("when the database fails", () => {
  function d1(sql: string): void {
    const r = spawnSync("wrangler", ["d1", "execute", "DB", "--local", "--persist-to", `.wrangler/e2e-state-${E2E_PORT}`, `--command=${sql}`], {
      encoding: "utf8",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", DO_NOT_TRACK: "1", WRANGLER_HIDE_BANNER: "true", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
    });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  }

  test("the page still renders, with the notice and the last known time, never 5xx", async ({ page }) => {
    test.setTimeout(60_000);
    await page.goto("/"); // the Worker now knows a live state
    d1("ALTER TABLE status_meta RENAME TO status_meta_broken; ALTER TABLE components RENAME TO components_broken;");
    try {
      await eventually(page, "/", async () => {
        await expect(page.getByText("Live status is unavailable right now.")).toBeVisible();
      });
      const res = await page.goto("/");
      expect(res!.status()).toBe(200);
      await expect(page.locator("[data-slot=overall]")).toHaveAttribute("data-indicator", "unknown");
      await expect(page.locator("[data-slot=last-known] time")).toBeVisible();
      await expect(page.getByRole("heading", { name: "How to reach us when everything is down" })).toBeVisible();
      await expectNoAxeViolations(page);
      for (const path of ["/history", "/incidents/inc_demo_mail_delay"]) {
        const r = await page.goto(path);
        expect(r!.status(), path).toBe(200);
        await expect(page.getByText("Live status is unavailable right now.")).toBeVisible();
      }
    } finally {
      d1("ALTER TABLE status_meta_broken RENAME TO status_meta; ALTER TABLE components_broken RENAME TO components;");
    }
    await eventually(page, "/", async () => {
      await expect(page.locator("[data-slot=live-unavailable]")).toHaveCount(0);
    });
  });
});
