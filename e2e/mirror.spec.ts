// The static mirror as customers meet it, in Chromium, against the local mirror `npm start`
// runs (an S3-compatible bucket with website hosting on loopback, scripts/lib/local-s3.mjs):
// a staff change shows there within seconds, its pages pass the live pages' checks, the embed
// falls back to it when the main address is down, and a break-glass post reaches it without the
// Worker and stays in the record.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { APIRequestContext } from "@playwright/test";
import { E2E_PORT } from "../playwright.config";
import { expect, expectNoAxeViolations, test, watchConsole } from "./fixtures";

const LIVE = `http://127.0.0.1:${E2E_PORT}`;

/** The local mirror's public address, as `npm start` recorded it. */
function mirrorUrl(): string {
  const target = JSON.parse(readFileSync(`.wrangler/tmp/mirror-${E2E_PORT}/target.json`, "utf8")) as { websiteUrl: string };
  return target.websiteUrl;
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

/** Waits until the mirror's `path` satisfies `check` (the publish runs after the staff answer). */
async function onMirror(path: string, check: (text: string) => boolean, timeout = 15_000): Promise<number> {
  const started = Date.now();
  await expect
    .poll(async () => check(await (await fetch(`${mirrorUrl()}${path}`)).text()), { timeout, intervals: [200, 300, 500] })
    .toBe(true);
  return Date.now() - started;
}

/** A customer's site on another origin, with the status banner script from `scriptOrigin`. */
async function customerSite(scriptOrigin: string): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.setHeader("content-type", "text/html");
    res.end(`<!doctype html><html lang="en"><title>Customer</title><main><h1>Customer site</h1></main><script src="${scriptOrigin}/embed.js"></script></html>`);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

test.describe("the local mirror", () => {
  test("shows a staff update within seconds of the write", async ({ staffApi }) => {
    const name = `Mirrored ${Date.now()}`;
    const id = await newIncident(staffApi, name);
    const ms = await onMirror("/", (t) => t.includes(name));
    test.info().annotations.push({ type: "mirror latency", description: `${ms} ms after the staff API answered` });
    const page = await (await fetch(`${mirrorUrl()}/incidents/${id}`)).text();
    expect(page).toContain(name);
    await resolve(staffApi, id);
    await onMirror("/api/v2/incidents/unresolved.json", (t) => !t.includes(id));
  });

  for (const path of ["/", "/history", "/history/2", "/incidents/inc_demo_mail_delay", "/maintenance/mnt_demo_network", "/postmortems/outgoing-mail-delays"]) {
    test(`${path} on the mirror passes the live page's checks: contacts, no console errors, no axe violations (light and dark)`, async ({ page }) => {
      const consoleWatch = watchConsole(page);
      const res = await page.goto(`${mirrorUrl()}${path}`);
      expect(res!.status()).toBe(200);
      await expect(page.locator("[data-slot=live-unavailable]")).toHaveCount(0);
      await expect(page.getByRole("heading", { name: "How to reach us when everything is down" })).toBeVisible();
      await expect(page.getByText(/This is a copy of 127\.0\.0\.1:\d+ on another provider, kept for when it cannot be reached\. Synced/)).toBeVisible();
      await expect(page.getByRole("link", { name: "Report an urgent problem" })).toHaveCount(0);
      await expectNoAxeViolations(page);
      await page.emulateMedia({ colorScheme: "dark" });
      await expectNoAxeViolations(page);
      expect(consoleWatch.errors).toEqual([]);
    });
  }

  test("an address the mirror does not have is its 404 page, with the contacts", async ({ page }) => {
    const consoleWatch = watchConsole(page, { documentStatus: 404 });
    const res = await page.goto(`${mirrorUrl()}/incidents/inc_nothing_here`);
    expect(res!.status()).toBe(404);
    await expect(page.getByRole("heading", { level: 1, name: "Page not found" })).toBeVisible();
    await expect(page.getByRole("heading", { name: "How to reach us when everything is down" })).toBeVisible();
    await expectNoAxeViolations(page);
    expect(consoleWatch.errors).toEqual([]);
  });

  test("the history pages link to each other as a static host can serve them", async ({ page }) => {
    await page.goto(`${mirrorUrl()}/history`);
    await page.getByRole("link", { name: "Older →" }).click();
    await expect(page).toHaveURL(`${mirrorUrl()}/history/2`);
    await page.getByRole("link", { name: "← Newer" }).click();
    await expect(page).toHaveURL(`${mirrorUrl()}/history`);
  });
});

test.describe("the embed, when the main address is down", () => {
  for (const how of ["refuses connections", "does not answer"] as const) {
    test(`shows the mirror's incident when the main address ${how}`, async ({ page, staffApi }) => {
      test.setTimeout(45_000);
      const name = `Embed fallback ${how} ${Date.now()}`;
      const id = await newIncident(staffApi, name);
      await onMirror("/api/v2/summary.json", (t) => t.includes(id));
      // Everything from the main address fails; the banner script itself comes from the mirror,
      // where it stays reachable (README "The mirror": embed it from there to survive an outage).
      await page.route(`${LIVE}/**`, (route) => (how === "refuses connections" ? route.abort("connectionrefused") : new Promise(() => {})));
      const site = await customerSite(mirrorUrl());
      try {
        await page.goto(site.url);
        const banner = page.getByRole("region", { name: /status/ });
        const link = banner.getByRole("link", { name });
        await expect(link).toBeVisible({ timeout: 15_000 });
        expect(await link.getAttribute("href")).toBe(`${mirrorUrl()}/incidents/${id}`);
      } finally {
        site.server.close();
        await page.unrouteAll({ behavior: "ignoreErrors" });
        await resolve(staffApi, id);
      }
    });
  }

  test("asks the live site first while it answers", async ({ page, staffApi }) => {
    const name = `Embed live first ${Date.now()}`;
    const id = await newIncident(staffApi, name);
    const asked: string[] = [];
    page.on("request", (r) => {
      if (r.url().endsWith("/api/v2/summary.json")) asked.push(new URL(r.url()).origin);
    });
    const site = await customerSite(mirrorUrl());
    try {
      await page.goto(site.url);
      await expect(page.getByRole("region", { name: /status/ }).getByRole("link", { name })).toBeVisible({ timeout: 10_000 });
      expect(asked).toEqual([LIVE]);
    } finally {
      site.server.close();
      await resolve(staffApi, id);
    }
  });
});

test.describe("break glass", () => {
  test("`npm run hub -- mirror post` reaches the mirror without the Worker, and the next sync keeps it in the record", async ({ page, staffApi, request }) => {
    test.setTimeout(60_000);
    const title = `Edge provider outage ${Date.now()}`;
    const text = `Our edge provider is down; we are on it (${title})`;
    const cli = spawnSync("npm", ["run", "--silent", "hub", "--", "mirror", "post", text, "--title", title], {
      encoding: "utf8",
      env: { ...process.env, PORT: String(E2E_PORT), MIRROR_S3_URL: "", MIRROR_GITHUB_REPO: "" },
    });
    expect(cli.status, `${cli.stdout}${cli.stderr}`).toBe(0);
    const incidentId = /to incident (inc_bg[a-z0-9]{12})/.exec(cli.stdout)![1]!;

    await page.goto(`${mirrorUrl()}/`);
    await expect(page.getByRole("heading", { name: "Posted during the outage" })).toBeVisible();
    await expect(page.getByText(text)).toBeVisible();
    await expect(page.locator("[data-slot=overall]")).toHaveAttribute("data-indicator", "major");
    await expectNoAxeViolations(page);
    await page.getByRole("link", { name: title }).click();
    await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible();
    await expectNoAxeViolations(page);

    // The Worker is back: its next publish imports the post, under the same address.
    const publish = await staffApi.post("/api/admin/mirror/publish");
    expect(publish.status(), await publish.text()).toBe(200);
    const live = (await (await request.get("/api/v2/incidents/unresolved.json")).json()) as { incidents: Array<{ id: string; incident_updates: Array<{ body: string }> }> };
    expect(live.incidents.find((i) => i.id === incidentId)?.incident_updates.map((u) => u.body)).toEqual([text]);
    // The browser holds the home page it read before for up to a minute (the static host's
    // max-age=60); a reader reloading asks the host again and gets the Worker's page.
    await page.goto(`${mirrorUrl()}/`);
    await page.reload();
    await expect(page.getByRole("heading", { name: "Posted during the outage" })).toHaveCount(0);
    await expect(page.getByRole("link", { name: title })).toBeVisible();
    await resolve(staffApi, incidentId);
  });
});
