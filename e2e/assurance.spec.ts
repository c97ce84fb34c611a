// The status page's assurance parts in a real browser at phone width: a monitored component's
// response-time charts (inline SVG, no script), and the notice that customers are reporting
// problems after one staff tap; axe finds nothing.
import { expect, expectNoAxeViolations, test, watchConsole } from "./fixtures";

test.use({ viewport: { width: 360, height: 780 } });

test("response-time charts and the reports notice on the status page at 360 px", async ({ page, staffApi, baseURL }) => {
  const console = watchConsole(page);
  // A monitor of this very server, linked to the demo's DNS component; one cron tick probes it.
  const put = await staffApi.put("/api/admin/monitors", {
    data: { version: 1, monitors: [{ id: "e2e-self", name: "Self", kind: "http", target: `${baseURL}/healthz`, component: "cmp_dns" }] },
  });
  expect(put.ok(), await put.text()).toBe(true);
  await expect(async () => {
    await staffApi.get("/cdn-cgi/handler/scheduled?cron=*+*+*+*+*");
    const results = await staffApi.get("/api/admin/monitors/results/e2e-self");
    expect(JSON.stringify(await results.json())).toContain("latency");
  }).toPass({ timeout: 30_000 });
  // The tap that says customers are reporting problems (bumps the page's cache version).
  const shown = await staffApi.post("/api/admin/report-signals/shown", { data: { component: "cmp_dns" } });
  expect(shown.status(), await shown.text()).toBe(201);

  await page.goto("/");
  await expect(page.getByRole("status").filter({ hasText: "We are receiving reports of problems with DNS and are investigating." })).toBeVisible();
  const chart = page.getByRole("img", { name: /^DNS: response time over 24 hours, average \d+ ms/ });
  await expect(chart).toBeVisible();
  await expect(page.getByRole("img", { name: /^DNS: response time over 90 days/ })).toBeVisible();
  // Fits the phone's width: the chart scales with the page, nothing scrolls sideways.
  const box = await chart.boundingBox();
  expect(box!.width).toBeLessThanOrEqual(360);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  await expectNoAxeViolations(page);
  expect(console.errors).toEqual([]);
});
