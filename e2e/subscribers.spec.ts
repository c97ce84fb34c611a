// Subscribers end to end in Chromium against the server `npm start` runs: subscribe on a phone
// (JavaScript off, then on), confirm from the mail, see an incident opened through the staff
// API in the subscriber's mail and on the status page, its resolution too, and leave with the
// mail's unsubscribe link. Mail is Miniflare's simulation, read through the local explorer API.
import type { APIRequestContext, Page } from "@playwright/test";
import { expect, expectNoAxeViolations, test } from "./fixtures";
import { linkIn, mailTo, subscribeByEmail, uniqueIp } from "./subscriber-mail";

const PHONE = { width: 360, height: 740 };
// Each test walks a whole journey (several pages, mail through the queue, axe runs): more than
// the default 30 s on a busy machine.
test.describe.configure({ timeout: 120_000 });

for (const javaScriptEnabled of [false, true]) {
  test.describe(`subscribing on a phone with JavaScript ${javaScriptEnabled ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled, viewport: PHONE });

    test("the form asks for nothing it does not need, confirms by mail, and refuses bad input at the field", async ({ page, request }) => {
      await page.setExtraHTTPHeaders({ "cf-connecting-ip": uniqueIp() });
      await page.goto("/subscribe");
      if (javaScriptEnabled) await expectNoAxeViolations(page);
      // Nothing wider than the phone.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);

      await page.getByLabel("Your email address").fill("not an address");
      await page.getByRole("button", { name: "Subscribe by email" }).click();
      await expect(page.locator("#email-error")).toHaveText("Enter an email address like name@example.com.");
      await expect(page.getByLabel("Your email address")).toHaveValue("not an address");
      if (javaScriptEnabled) await expectNoAxeViolations(page);

      const email = `phone-${javaScriptEnabled ? "js" : "nojs"}-${Date.now()}@customers.example`;
      await subscribeByEmail(page, email);
      const confirmation = await mailTo(request, email, "Confirm your subscription");
      await page.goto(linkIn(confirmation.text!, "/subscribe/confirm/"));
      await expect(page.getByRole("heading", { name: "Confirm your subscription" })).toBeVisible();
      if (javaScriptEnabled) await expectNoAxeViolations(page);
      await page.getByRole("button", { name: "Confirm my subscription" }).click();
      await expect(page.getByRole("heading", { name: "You are subscribed" })).toBeVisible();
    });
  });
}

test("a subscriber hears of an incident opened through the staff API, sees it on the status page, hears it resolved, and leaves with one click", async ({ page, request, staffApi }) => {
  await page.setExtraHTTPHeaders({ "cf-connecting-ip": uniqueIp() });
  const email = `e2e-${Date.now()}@customers.example`;
  await subscribeByEmail(page, email);
  const confirmation = await mailTo(request, email, "Confirm your subscription");
  await page.goto(linkIn(confirmation.text!, "/subscribe/confirm/"));
  await page.getByRole("button", { name: "Confirm my subscription" }).click();
  await expect(page.getByRole("heading", { name: "You are subscribed" })).toBeVisible();

  const name = `Mail delayed ${Date.now()}`;
  const opened = await staffApi.post("/api/admin/incidents", { data: { name, status: "investigating", impact: "minor", body: "Outgoing mail is delayed by up to 20 minutes." } });
  expect(opened.status()).toBe(201);
  const { id } = (await opened.json()) as { id: string };

  const update = await mailTo(request, email, name);
  expect(update.subject).toBe(`[Example Hosting] ${name}: investigating`);
  expect(update.text).toContain("Outgoing mail is delayed by up to 20 minutes.");
  expect(update.text).toContain(`/incidents/${id}`);
  const unsubscribe = linkIn(update.text!, "/subscribe/unsubscribe/");
  expect(update.headers?.["List-Unsubscribe"]).toBe(`<${unsubscribe}>`);
  expect(update.headers?.["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");

  await page.goto("/");
  await expect(page.getByText(name)).toBeVisible();

  const resolved = await staffApi.post(`/api/admin/incidents/${id}/updates`, { data: { status: "resolved", body: "All delayed mail has been delivered." } });
  expect(resolved.status()).toBe(201);
  const resolution = await mailTo(request, email, `${name}: resolved`);
  expect(resolution.text).toContain("All delayed mail has been delivered.");

  // The mail client's one-click POST (RFC 8058): no page, and no more mail.
  const oneClick = await request.post(unsubscribe, { form: { "List-Unsubscribe": "One-Click" } });
  expect(oneClick.status()).toBe(200);
  expect(await oneClick.text()).toBe("Unsubscribed.\n");
  await page.goto(unsubscribe);
  await expect(page.getByRole("heading", { name: "You are unsubscribed" })).toBeVisible();
  await expectNoAxeViolations(page);
});

test("the unsubscribe link opened in a browser asks first, then unsubscribes", async ({ page, request }) => {
  await page.setExtraHTTPHeaders({ "cf-connecting-ip": uniqueIp() });
  const email = `leave-${Date.now()}@customers.example`;
  await subscribeByEmail(page, email);
  const confirmation = await mailTo(request, email, "Confirm your subscription");
  await page.goto(linkIn(confirmation.text!, "/subscribe/confirm/"));
  await page.getByRole("button", { name: "Confirm my subscription" }).click();
  // An already-subscribed address gets a note with its unsubscribe link.
  await subscribeByEmail(page, email);
  const note = await mailTo(request, email, "You already get");
  await page.goto(linkIn(note.text!, "/subscribe/unsubscribe/"));
  await expect(page.getByRole("heading", { name: "Unsubscribe?" })).toBeVisible();
  await expectNoAxeViolations(page);
  await page.getByRole("button", { name: "Unsubscribe" }).click();
  await expect(page.getByRole("heading", { name: "You are unsubscribed" })).toBeVisible();
});
