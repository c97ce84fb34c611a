// The staff console in Chromium, against the server `npm start` runs: a passkey registered from
// an invitation and used to sign in (Chromium's virtual authenticator over the DevTools
// protocol), an incident opened from a template, seen on the status page and resolved; a reply
// to a form reporter that shows in their private view under the staff member's name and in
// their mail; the core forms with JavaScript off (token sign-in, update, acknowledge, reply);
// a 360-px phone; a link from another site; axe on every page.
import type { APIRequestContext, Browser, BrowserContext, Page } from "@playwright/test";
import { E2E_PORT, E2E_STAFF_TOKEN } from "../playwright.config";
import { expect as baseExpect, expectNoAxeViolations, test, watchConsole } from "./fixtures";
import { localMailWith as mailContaining } from "./local-mail";
import { confirmedSubscriber, mailTo } from "./subscriber-mail";

/** Pages and passkey ceremonies on a busy machine can take longer than the default 5 s. */
const expect = baseExpect.configure({ timeout: 15_000 });

/** Passkeys need a host name: the console runs at localhost (start.mjs lists it in CONSOLE_ORIGINS). */
const CONSOLE = `http://localhost:${E2E_PORT}`;
const SLOW = { timeout: 20_000 };

// Each test walks a whole flow (several pages, each checked by axe).
test.describe.configure({ timeout: 120_000 });

function word(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => "bcdfghklmnprstvz"[b % 16]).join("");
}

function ip(): string {
  const r = crypto.getRandomValues(new Uint8Array(3));
  return `10.${r[0]}.${r[1]}.${(r[2]! % 250) + 1}`;
}

/** A new staff member (by the staff API, as an admin or the CLI would) and their invitation link. */
async function invite(staffApi: APIRequestContext, role: "responder" | "publisher" | "admin"): Promise<{ name: string; url: string }> {
  const name = `E2E ${role} ${word()}`;
  const res = await staffApi.post("/api/admin/staff/members", { data: { name, role } });
  expect(res.status()).toBe(201);
  const { invite_url } = (await res.json()) as { invite_url: string };
  expect(invite_url.startsWith(`${CONSOLE}/admin/invite/`)).toBe(true);
  return { name, url: invite_url };
}

/** A browser context with a virtual platform authenticator (resident keys, user verification). */
async function withAuthenticator(browser: Browser, viewport = { width: 1280, height: 900 }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return { context, page };
}

/** Registers a passkey from an invitation: the person is signed in afterwards. */
async function registerPasskey(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel("Name this passkey").fill("E2E laptop");
  await page.getByRole("button", { name: "Create my passkey" }).click();
  await expect(page).toHaveURL(`${CONSOLE}/admin?done=passkey-added`, SLOW);
  await expect(page.getByText("Passkey saved: sign in with it from now on.")).toBeVisible();
}

test.describe("signing in", () => {
  test("registers a passkey from an invitation, signs out, and signs in with it (virtual authenticator)", async ({ browser, staffApi }) => {
    const { name, url } = await invite(staffApi, "responder");
    const { context, page } = await withAuthenticator(browser);
    const watch = watchConsole(page);
    await page.goto(url);
    await expect(page.getByRole("heading", { name: `Welcome, ${name}` })).toBeVisible();
    await expectNoAxeViolations(page);
    await registerPasskey(page, url);
    await expect(page.getByRole("link", { name: `${name} · responder` })).toBeVisible();
    await expectNoAxeViolations(page);

    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(`${CONSOLE}/admin/sign-in?done=signed-out`);
    await expectNoAxeViolations(page);
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await expect(page).toHaveURL(`${CONSOLE}/admin?done=signed-in`, SLOW);
    await expect(page.getByText("Signed in.")).toBeVisible();
    // The invitation was used up.
    const again = await page.goto(url);
    expect(again!.status()).toBe(404);
    expect(watch.errors.filter((e) => !e.includes("404"))).toEqual([]);
    await context.close();
  });

  test("keeps a signed-in person signed in when a link from another site opens the console", async ({ browser, staffApi }) => {
    const { url } = await invite(staffApi, "responder");
    const { context, page } = await withAuthenticator(browser);
    await registerPasskey(page, url);
    // 127.0.0.1 and localhost are different sites: the SameSite=Strict cookie is withheld on
    // the first request, and the console's "come again" page brings it back.
    await page.goto(`http://127.0.0.1:${E2E_PORT}/`);
    await page.evaluate((href) => {
      const a = document.createElement("a");
      a.href = href;
      a.textContent = "Open the console";
      document.body.append(a);
    }, `${CONSOLE}/admin/reports?state=new`);
    await page.getByRole("link", { name: "Open the console" }).click();
    await expect(page).toHaveURL(/\/admin\/reports\?state=new(&again=1)?$/);
    await expect(page.getByRole("heading", { name: "Reports", exact: true })).toBeVisible();
    await context.close();
  });
});

test.describe("status from the console", () => {
  test("opens an incident from a template with a preview, sees it on the status page and in a subscriber's mail, and resolves it", async ({ browser, staffApi, request }) => {
    // A customer subscribed by email beforehand.
    const subscriberContext = await browser.newContext();
    const subscriber = `console-e2e-${Date.now()}@customers.example`;
    await confirmedSubscriber(await subscriberContext.newPage(), request, subscriber);
    await subscriberContext.close();

    const { url } = await invite(staffApi, "publisher");
    const { context, page } = await withAuthenticator(browser);
    const watch = watchConsole(page);
    await registerPasskey(page, url);

    await page.getByRole("link", { name: "Incidents" }).click();
    await expectNoAxeViolations(page);
    await page.getByRole("link", { name: "Outage: a service is down" }).click();
    const title = `Web hosting unreachable ${word()}`;
    await page.getByLabel("Title (public)").fill(title);
    await page.getByLabel("What is happening (public)").fill("Sites on web12 answer 502 since 09:40. We are investigating.");
    await page.getByLabel(/^Web hosting/).selectOption("major_outage");
    await page.getByLabel("Post to our social accounts").check();
    await page.getByRole("button", { name: "Preview" }).click();
    const preview = page.locator(".preview");
    await expect(preview).toContainText("nothing is posted yet");
    await expect(preview).toContainText(title);
    await expect(preview).toContainText("Web hosting: Operational → Major outage");
    await expectNoAxeViolations(page);
    await page.getByRole("button", { name: "Open the incident" }).click();
    await expect(page.getByText("Incident opened: it is on the status page now.")).toBeVisible();
    await expectNoAxeViolations(page);

    // The public page shows it (a second tab, as a customer would).
    const publicPage = await context.newPage();
    await publicPage.goto(`http://127.0.0.1:${E2E_PORT}/`);
    await expect(publicPage.getByText(title)).toBeVisible();
    // "Notify subscribers" is on by default: the subscriber hears of it by mail.
    const opened = await mailTo(request, subscriber, title);
    expect(opened.text).toContain("Sites on web12 answer 502 since 09:40.");

    await page.getByLabel("Status").selectOption("resolved");
    await page.getByLabel("Update (public)").fill("Fixed: the PHP pool on web12 is back.");
    await page.getByRole("button", { name: "Post the update" }).click();
    await expect(page.getByText("Update posted: the status page shows it now.")).toBeVisible();
    const unresolved = await (await request.get("/api/v2/incidents/unresolved.json")).json();
    expect(JSON.stringify(unresolved)).not.toContain(title);
    await publicPage.reload();
    await expect(publicPage.getByText(title)).toHaveCount(0);
    expect((await mailTo(request, subscriber, `${title}: resolved`)).text).toContain("Fixed: the PHP pool on web12 is back.");
    expect(watch.errors).toEqual([]);
    await context.close();
  });
});

test.describe("replying to a reporter", () => {
  test("a reply to a form reporter shows in their private view under the staff member's name, and in their mail", async ({ browser, staffApi }) => {
    // The reporter files through the form and keeps their private link.
    const reporter = await browser.newContext();
    const form = await reporter.newPage();
    await form.setExtraHTTPHeaders({ "cf-connecting-ip": ip() });
    await form.goto(`http://127.0.0.1:${E2E_PORT}/report`);
    const subject = `Mailbox full ${word()}`;
    const email = `reporter-${word()}@customers.example`;
    await form.getByLabel("What is wrong?").fill(subject);
    await form.getByLabel("Describe the problem").fill("Since this morning every mail to info@ bounces: mailbox full.");
    await form.getByLabel("Your name").fill("Rita Reporter");
    await form.getByLabel("Email").fill(email);
    await form.getByRole("button", { name: "Send urgent report" }).click();
    const reference = (await form.locator("[data-slot=reference]").textContent())!;
    await form.getByRole("link", { name: "your private report page" }).click();
    const privateUrl = form.url();

    // A staff member answers in the console.
    const { name, url } = await invite(staffApi, "responder");
    const { context, page } = await withAuthenticator(browser);
    await registerPasskey(page, url);
    await page.goto(`${CONSOLE}/admin/reports?q=${encodeURIComponent(subject)}`);
    await page.getByRole("link", { name: subject }).click();
    await expect(page.getByText(`Goes to the reporter by email: ${email}`)).toBeVisible();
    await expectNoAxeViolations(page);
    const reply = `We emptied the mailbox for you (${word()}); mail flows again.`;
    await page.getByLabel("Your reply").fill(reply);
    await page.getByRole("button", { name: "Send reply" }).click();
    await expect(page.getByText("Reply sent: it is in the reporter's private view and on its way to them.")).toBeVisible();
    await expect(page.locator(".thread li").last()).toContainText(reply);

    await form.goto(privateUrl);
    const last = form.locator(".thread li").filter({ hasText: reply });
    await expect(last).toContainText(name);
    await expect(last).not.toContainText("STAFF_TOKEN");

    const mail = await mailContaining(reply);
    expect(mail).toContain(reference);
    expect(mail).toContain(`-- ${name}, Example Hosting`);
    expect(mail).toContain(new URL(privateUrl).pathname);
    await context.close();
    await reporter.close();
  });
});

test.describe("with JavaScript off", () => {
  test.use({ javaScriptEnabled: false });

  test("signs in with the staff token, acknowledges, replies and posts an update", async ({ page, staffApi, request }) => {
    const subject = `Control panel down ${word()}`;
    const filed = await request.post("/api/reports", {
      headers: { "cf-connecting-ip": ip() },
      data: { name: "Nora", email: `nora-${word()}@customers.example`, subject, message: "The control panel answers 500 on every page." },
    });
    const { reference } = (await filed.json()) as { reference: string };
    const incident = await staffApi.post("/api/admin/incidents", { data: { name: `Control panel errors ${word()}`, status: "investigating", impact: "minor", body: "Looking." } });
    const { id } = (await incident.json()) as { id: string };

    await page.goto(`${CONSOLE}/admin/reports`);
    await expect(page).toHaveURL(/\/admin\/sign-in\?next=%2Fadmin%2Freports$/);
    await expect(page.getByText("Passkeys need JavaScript")).toBeVisible();
    await page.getByLabel("Staff token").fill(E2E_STAFF_TOKEN);
    await page.getByRole("button", { name: "Sign in with the token" }).click();
    await expect(page).toHaveURL(/\/admin\/reports$/);

    await page.goto(`${CONSOLE}/admin/reports/${reference}`);
    await page.getByRole("button", { name: "Acknowledge" }).click();
    await expect(page.getByText("Acknowledged: escalation stopped")).toBeVisible();
    await page.getByLabel("Your reply").fill("On it, without JavaScript.");
    await page.getByRole("button", { name: "Send reply" }).click();
    await expect(page.locator(".thread li").last()).toContainText("On it, without JavaScript.");
    const report = await (await staffApi.get(`/api/admin/reports/${reference}`)).json();
    expect(report.state).toBe("acknowledged");

    await page.goto(`${CONSOLE}/admin/incidents/${id}`);
    await page.getByLabel("Status").selectOption("monitoring");
    await page.getByLabel("Update (public)").fill("A fix is in place; we are watching.");
    await page.getByRole("button", { name: "Post the update" }).click();
    await expect(page.getByText("Update posted")).toBeVisible();
    const after = await (await request.get("/api/v2/incidents/unresolved.json")).json();
    expect(JSON.stringify(after)).toContain('"status":"monitoring"');
  });
});

test.describe("on a 360-px phone", () => {
  test.use({ viewport: { width: 360, height: 780 } });

  for (const path of ["/admin", "/admin/incidents", "/admin/incidents/new?template=outage", "/admin/maintenance/new", "/admin/reports", "/admin/reports/R-DEM0WEB1", "/admin/oncall", "/admin/people", "/admin/audit", "/admin/me"]) {
    test(`${path} fits without sideways scrolling and passes axe`, async ({ page }) => {
      await page.goto(`/admin/sign-in?next=${encodeURIComponent(path)}`);
      await page.getByLabel("Staff token").fill(E2E_STAFF_TOKEN);
      await page.getByRole("button", { name: "Sign in with the token" }).click();
      await expect(page).toHaveURL(new RegExp(`${path.replace(/[?.]/g, "\\$&")}(\\?done=signed-in)?$`));
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width).toBeLessThanOrEqual(360);
      await expectNoAxeViolations(page);
    });
  }
});

test("writes screenshots of the console into docs/ (SCREENSHOTS=1)", async ({ browser, staffApi, request }) => {
  test.skip(process.env.SCREENSHOTS !== "1", "only when asked: SCREENSHOTS=1 npm run test:e2e -- e2e/console.spec.ts");
  // Something to look at: an open incident, a report that pages on-call, the paths' checks.
  await staffApi.post("/api/admin/incidents", {
    data: { name: "Mail delivery delayed", status: "identified", impact: "minor", body: "Outgoing mail is queued since 09:40 and leaves with a delay of up to 20 minutes.", components: { cmp_mail_out: "degraded_performance" } },
  });
  await request.post("/api/reports", {
    headers: { "cf-connecting-ip": ip() },
    data: { name: "Ada Customer", email: "ada@customers.example", subject: "Control panel answers 500", message: "Every page of the control panel answers 500 since a few minutes.", urgency: "critical" },
  });
  await request.get(`/cdn-cgi/handler/scheduled?cron=${encodeURIComponent("* * * * *")}`);
  await new Promise((r) => setTimeout(r, 3000));
  for (const width of [360, 1280]) {
    const context = await browser.newContext({ viewport: { width, height: width === 360 ? 780 : 900 } });
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${E2E_PORT}/admin/sign-in`);
    await page.getByLabel("Staff token").fill(E2E_STAFF_TOKEN);
    await page.getByRole("button", { name: "Sign in with the token" }).click();
    for (const [path, name] of [
      ["/admin", "dashboard"],
      ["/admin/incidents/new?template=outage", "incident"],
      ["/admin/reports/R-DEM0WEB1", "report"],
    ] as const) {
      await page.goto(`http://127.0.0.1:${E2E_PORT}${path}`);
      await page.screenshot({ path: `docs/screenshots/console-${name}-${width}.png`, fullPage: true });
    }
    await context.close();
  }
});
