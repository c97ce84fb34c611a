// The urgent report form in Chromium, with JavaScript off and on: success, field errors with
// the input kept, 413 and 429. Each test uses its own client address (CF-Connecting-IP), as
// the rate limiter's window is per client and wall-clock aligned.
import type { Page } from "@playwright/test";
import { expect, expectNoAxeViolations as axe, test, watchConsole } from "./fixtures";

/** axe runs as a script in the page: with JavaScript off it cannot run (the same pages are
 * checked by the JavaScript-on runs). */
async function expectNoAxeViolations(page: Page, javaScriptEnabled = true): Promise<void> {
  if (javaScriptEnabled) await axe(page);
}

function uniqueIp(): string {
  const b = Array.from({ length: 3 }, () => Math.floor(Math.random() * 254) + 1);
  return `10.${b[0]}.${b[1]}.${b[2]}`;
}

async function asClient(page: Page): Promise<void> {
  await page.setExtraHTTPHeaders({ "cf-connecting-ip": uniqueIp() });
}

async function fillValid(page: Page, tag = Math.random().toString(36).slice(2, 8)): Promise<string> {
  const subject = `Every site on web12 answers 502 (${tag})`;
  await page.getByLabel("What is wrong?").fill(subject);
  await page.getByLabel(/Critical/).check();
  await page.getByLabel("Describe the problem").fill("Since 09:40 all our sites on web12 answer 502 Bad Gateway.\nOur shop is down.");
  await page.getByLabel("Your name").fill("Ada <Customer>");
  await page.getByLabel("Email").fill(`ada-${tag}@example.com`);
  return subject;
}

const send = (page: Page) => page.getByRole("button", { name: "Send urgent report" }).click();

for (const javaScriptEnabled of [false, true]) {
  test.describe(`the report form with JavaScript ${javaScriptEnabled ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled });

    test("sends a report and shows the reference, what happens next and the contacts", async ({ page, staffApi }) => {
      const consoleWatch = watchConsole(page);
      await asClient(page);
      await page.goto("/report");
      await expectNoAxeViolations(page, javaScriptEnabled);
      const subject = await fillValid(page);
      await send(page);
      await expect(page).toHaveURL(/\/report\/received\?ref=R-[0-9A-Z]{8}/);
      await expect(page.getByRole("heading", { name: "We received your report" })).toBeVisible();
      const reference = (await page.locator("[data-slot=reference]").textContent())!;
      expect(reference).toMatch(/^R-[0-9A-HJKMNP-TV-Z]{8}$/);
      await expect(page.getByRole("heading", { name: "How to reach us when everything is down" })).toBeVisible();
      await expectNoAxeViolations(page, javaScriptEnabled);

      // The private page: the thread, escaped, and a follow-up.
      await page.getByRole("link", { name: "your private report page" }).click();
      await expect(page.getByRole("heading", { name: `Your report ${reference}` })).toBeVisible();
      await expect(page.locator(".thread")).toContainText("Our shop is down.");
      await expectNoAxeViolations(page, javaScriptEnabled);
      await page.getByLabel("Your message").fill("Half of the sites are back.");
      await page.getByRole("button", { name: "Send", exact: true }).click();
      await expect(page.locator(".thread li").last()).toContainText("Half of the sites are back.");

      const res = await staffApi.get(`/api/admin/reports/${reference}`);
      expect(res.status()).toBe(200);
      const body = await res.json();
      expect(body).toMatchObject({ reference, channel: "web", state: "new", subject, urgency: "critical" });
      expect(body.reporter.name).toBe("Ada <Customer>");
      expect(consoleWatch.errors).toEqual([]);
    });

    test("a 413 page answers a body over the cap", async ({ page }) => {
      await asClient(page);
      await page.goto("/report");
      await fillValid(page);
      // More than the 128 KB cap. The fields' maxlength keeps every valid report under it, so
      // this stands for a client that ignores them (the attribute is removed first).
      await page.getByLabel("Describe the problem").evaluate((el) => el.removeAttribute("maxlength"));
      await page.getByLabel("Describe the problem").fill("x".repeat(140 * 1024));
      await page.getByLabel("Email").fill("ada@example.com");
      await send(page);
      await expect(page.getByRole("heading", { name: "Too large" })).toBeVisible();
      await expect(page.getByRole("heading", { name: "How to reach us when everything is down" })).toBeVisible();
    });

    test("a 429 page with the contacts after too many reports from one client", async ({ page }) => {
      await asClient(page);
      let status = 0;
      page.on("response", (r) => {
        if (r.request().method() === "POST") status = r.status();
      });
      // The limiter's 60 s window is aligned to the wall clock: 2 x 5 + 1 posts reach 429 even
      // when they straddle a window boundary.
      for (let i = 0; i < 11 && status !== 429; i++) {
        await page.goto("/report");
        await fillValid(page);
        await send(page);
        await page.waitForLoadState();
      }
      expect(status).toBe(429);
      await expect(page).toHaveTitle(/Too many requests/);
      await expect(page.getByRole("alert")).toContainText("Too many reports from your connection");
      // The form is kept, ready to send again in a minute.
      await expect(page.getByLabel("What is wrong?")).toHaveValue(/Every site on web12 answers 502/);
      await expect(page.getByRole("heading", { name: "How to reach us when everything is down" })).toBeVisible();
      await expectNoAxeViolations(page, javaScriptEnabled);
    });
  });
}

test.describe("field errors", () => {
  test.describe("with JavaScript off: the server answers", () => {
    test.use({ javaScriptEnabled: false });
    test("the form comes back with the input kept and a message at each field", async ({ page }) => {
      await asClient(page);
      await page.goto("/report");
      await page.getByLabel("What is wrong?").fill("Mail down");
      await page.getByLabel("Describe the problem").fill("help");
      await page.getByLabel("Email").fill("not-an-email");
      await page.getByLabel(/Normal/).check();
      const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === "POST"), send(page)]);
      expect(response.status()).toBe(400);
      await expect(page.getByRole("alert")).toContainText("Please correct 2 fields");
      await expect(page.locator("#message-error")).toHaveText("Please describe the problem in at least 10 characters.");
      await expect(page.locator("#email-error")).toHaveText("Enter an email address like name@example.com.");
      await expect(page.getByLabel("What is wrong?")).toHaveValue("Mail down");
      await expect(page.getByLabel("Describe the problem")).toHaveValue("help");
      await expect(page.getByLabel("Email")).toHaveValue("not-an-email");
      await expect(page.getByLabel(/Normal/)).toBeChecked();
      await expect(page.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
      await expectNoAxeViolations(page, false);
      // Correcting the fields sends it.
      await page.getByLabel("Describe the problem").fill("No mail has arrived since 08:00 for any of our domains.");
      await page.getByLabel("Email").fill("ada@example.com");
      await send(page);
      await expect(page).toHaveURL(/\/report\/received\?ref=R-/);
    });
  });

  test.describe("with JavaScript on: inline, before sending", () => {
    test("shows each message at its field, focuses the first, and sends nothing", async ({ page }) => {
      const consoleWatch = watchConsole(page);
      await asClient(page);
      await page.goto("/report");
      let posted = false;
      page.on("request", (r) => {
        if (r.method() === "POST") posted = true;
      });
      await page.getByLabel("Describe the problem").fill("short");
      await send(page);
      await expect(page.locator("#subject-error")).toHaveText("Say in a few words what is wrong.");
      await expect(page.locator("#message-error")).toHaveText("Please describe the problem in at least 10 characters.");
      await expect(page.locator("#email-error")).toContainText("Give an email address or a phone number");
      await expect(page.getByLabel("What is wrong?")).toBeFocused();
      await expect(page.getByLabel("Describe the problem")).toHaveValue("short");
      expect(posted).toBe(false);
      await expectNoAxeViolations(page);
      await fillValid(page);
      await send(page);
      await expect(page).toHaveURL(/\/report\/received\?ref=R-/);
      expect(consoleWatch.errors).toEqual([]);
    });
  });
});
