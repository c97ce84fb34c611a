import { expect, expectNoAxeViolations, test, watchConsole } from "./fixtures";

test.describe("the foundation, as a visitor sees it", () => {
  test("the status page renders with live data, no console errors, and passes axe", async ({ page }) => {
    const consoleWatch = watchConsole(page);
    const res = await page.goto("/");
    expect(res!.status()).toBe(200);
    await expect(page.locator("[data-slot=overall-status]")).toHaveText(/Operational|Outage|Degraded|Maintenance/);
    await expect(page.getByText("Live status is unavailable")).toHaveCount(0);
    await expect(page.getByRole("heading", { name: "How to reach us when everything is down" })).toBeVisible();
    await expectNoAxeViolations(page);
    expect(consoleWatch.errors).toEqual([]);
  });

  test("an unknown page shows the 404 page with the contacts", async ({ page }) => {
    const consoleWatch = watchConsole(page, { documentStatus: 404 });
    const res = await page.goto("/no/such/page");
    expect(res!.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
    await expect(page.getByRole("heading", { name: "How to reach us when everything is down" })).toBeVisible();
    await expectNoAxeViolations(page);
    expect(consoleWatch.errors).toEqual([]);
  });

  test("the staff API refuses requests without a token", async ({ request }) => {
    const res = await request.get("/api/admin/whoami");
    expect(res.status()).toBe(401);
  });

  test("the staff API accepts the configured token", async ({ staffApi }) => {
    const res = await staffApi.get("/api/admin/whoami");
    expect(res.status()).toBe(200);
  });
});

test.describe("with JavaScript off", () => {
  test.use({ javaScriptEnabled: false });
  test("the status page still shows the live status", async ({ page }) => {
    await page.goto("/");
    await expect(page.locator("[data-slot=overall-status]")).not.toHaveText("Status unknown");
  });
});
