// The on-call page as its recipient sees it: a report filed on the site produces a page mail
// (simulated locally, in .wrangler/tmp) whose acknowledgement link opens a confirmation page;
// opening it changes nothing, the button acknowledges. With JavaScript off, and axe-clean.
import { expect, expectNoAxeViolations, test, watchConsole } from "./fixtures";
import { localMailWith } from "./local-mail";

/** The page mail (it has an acknowledgement link) about `marker`. */
const pageMailFor = (marker: string) => localMailWith(marker, "/ack/");

function randomWord(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => "bcdfghklmnprstvz"[b % 16]).join("");
}

async function fileReport(request: import("@playwright/test").APIRequestContext) {
  const subject = `${randomWord()} ${randomWord()} unreachable`;
  const res = await request.post("/api/reports", {
    headers: { "cf-connecting-ip": `10.77.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}` },
    data: { name: "E2E", email: "e2e@customers.example", subject, message: `Nothing on ${subject} answers since a minute ago.` },
  });
  expect(res.status()).toBe(201);
  const mail = await pageMailFor(subject);
  const link = /(https?:\/\/[^\s"]+\/ack\/([a-z0-9_]+)\.[^\s"]+)/.exec(mail)!;
  return { subject, link: link[1]!, alertId: link[2]! };
}

test.describe("acknowledging a page, JavaScript off", () => {
  test.use({ javaScriptEnabled: false });

  test("a filed report produces a page mail whose link confirms before acknowledging", async ({ page, request, staffApi }) => {
    const { subject, link, alertId } = await fileReport(request);
    const url = new URL(link);
    await page.goto(url.pathname);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(/^Acknowledge alert \w+\?$/);
    await expect(page.getByText(subject).first()).toBeVisible();
    await expect(page.getByRole("status")).toHaveText("Nobody has acknowledged this alert yet.");
    // Opening the link (what a mail scanner does) acknowledged nothing.
    const before = await (await staffApi.get(`/api/admin/alerts/${alertId}`)).json();
    expect(before.alert.state).toBe("triggered");

    await page.getByRole("button", { name: "Acknowledge: I am on it" }).click();
    await expect(page.getByRole("status")).toHaveText(/^Acknowledged by .+\. Escalation has stopped\.$/);
    await expect(page.getByRole("button", { name: /Acknowledge/ })).toHaveCount(0);
    const after = await (await staffApi.get(`/api/admin/alerts/${alertId}`)).json();
    expect(after.alert.state).toBe("acknowledged");
    expect(after.alert.events.map((e: { type: string }) => e.type)).toContain("acknowledged");
  });

  test("a broken link shows a clear error page, not a form", async ({ page }) => {
    const res = await page.goto("/ack/al_nope.nobody.zzzz.0123456789abcdef0123456789abcdef");
    expect(res!.status()).toBe(404);
    await expect(page.getByText("This acknowledgement link is not valid")).toBeVisible();
    await expect(page.getByRole("button")).toHaveCount(0);
  });
});

test.describe("acknowledging a page, JavaScript on", () => {
  test("the confirmation page and its result pass axe, with no console or CSP errors", async ({ page, request }) => {
    const consoleWatch = watchConsole(page);
    const { link } = await fileReport(request);
    await page.goto(new URL(link).pathname);
    await expectNoAxeViolations(page);
    await page.getByRole("button", { name: "Acknowledge: I am on it" }).click();
    await expect(page.getByRole("status")).toHaveText(/^Acknowledged by /);
    await expectNoAxeViolations(page);
    expect(consoleWatch.errors).toEqual([]);
  });
});
