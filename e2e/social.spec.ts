// The social channels as a newcomer meets them, offline: `npm start` runs stand-ins for X,
// Mastodon and Bluesky, and `npm run x -- mention "..."` (scripts/social.mjs) makes a customer
// mention us there. Each test runs the real command against the server the browser tests use,
// then checks what it printed against the places themselves: the report in the staff API, our
// answers in the stand-in's record of what we posted, the private link in Chromium.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import type { APIRequestContext } from "@playwright/test";
import { E2E_PORT, E2E_STAFF_TOKEN } from "../playwright.config";
import { expect, expectNoAxeViolations, test, watchConsole } from "./fixtures";

const run = promisify(execFile);

async function social(network: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ["scripts/social.mjs", network, ...args], {
    env: { ...process.env, PORT: String(E2E_PORT), STAFF_TOKEN: E2E_STAFF_TOKEN },
    timeout: 60_000,
  });
  return stdout;
}

/** Where `npm start` said its stand-ins are (the file the command reads too). */
function standIns(): { url: string; worker: string; networks: string[] } {
  return JSON.parse(readFileSync(`.wrangler/tmp/social-${E2E_PORT}.json`, "utf8"));
}

interface XState {
  posts: Array<{ id: string; text: string; in_reply_to_tweet_id: string | null }>;
  dms_sent: Array<{ to: string; text: string }>;
}

async function xState(request: APIRequestContext): Promise<XState> {
  const res = await request.get(`${standIns().url}/x/local/__control/state`);
  expect(res.status()).toBe(200);
  return (await res.json()).data;
}

/** Letters only, so a run's text and handle are its own and match nothing an earlier run left. */
function tag(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => "bcdfghklmnprstvz"[b % 16]).join("");
}

test.describe("social channels on the local stand-ins", () => {
  test("an X mention becomes a report staff see, answered in public without the private link and privately with it", async ({
    page,
    request,
    staffApi,
  }) => {
    const word = tag();
    const handle = `e2e_${word}`;
    const complaint = `all my sites are down since ${word} <b>502</b>`;
    const out = await social("x", "mention", `@ExampleHosting ${complaint}`, "--from", handle);

    // What the command prints, as the README shows it.
    expect(out).toContain("pushed to the Worker's webhook, signed: POST /hooks/x");
    const reference = /Report (R-[0-9A-Z]{8}) {2}\(x, new, high\)/.exec(out)?.[1];
    expect(reference, out).toBeTruthy();
    expect(out).toContain(`subject   ${complaint}`);
    expect(out).toMatch(/page {6}(page|digest) to .+ by email/);

    // Staff see it in the inbox, with the whole text, the X handle and the page it caused.
    const inbox = await staffApi.get("/api/admin/reports?channel=x");
    expect(inbox.status()).toBe(200);
    const listed = (await inbox.json()).reports.find((r: { reference: string }) => r.reference === reference);
    expect(listed).toMatchObject({ channel: "x", state: "new", urgency: "high", subject: complaint });
    const report = await (await staffApi.get(`/api/admin/reports/${reference}`)).json();
    expect(report.reporter).toMatchObject({ x_handle: handle, name: "Ada (demo customer)" });
    expect(report.messages[0].body).toContain(`@ExampleHosting ${complaint}`);
    expect(report.messages[0].body).toContain(`(X mention from @${handle}`);
    expect(report.deliveries.length).toBeGreaterThan(0);
    // Not without the staff token.
    expect((await request.get(`/api/admin/reports/${reference}`)).status()).toBe(401);

    // On X: one public reply to the mention, with the reference and neither the private link
    // nor anything the customer wrote; one DM to them with the private link.
    const x = await xState(request);
    const replies = x.posts.filter((p) => p.text.includes(reference!));
    expect(replies).toHaveLength(1);
    expect(replies[0]!.in_reply_to_tweet_id).toMatch(/^\d+$/);
    expect(replies[0]!.text).toMatch(new RegExp(`^We're on it: your report ${reference} reached our on-call team\\.`));
    expect(replies[0]!.text).not.toContain("/r/");
    expect(replies[0]!.text).not.toContain(word);
    const dms = x.dms_sent.filter((d) => d.text.includes(reference!));
    expect(dms).toHaveLength(1);
    expect(dms[0]!.text).not.toContain(word);
    const link = new RegExp(`https?://\\S+/r/${reference}\\?k=[^\\s]+`).exec(dms[0]!.text)?.[0];
    expect(link, dms[0]!.text).toBeTruthy();

    // The customer opens the link from the DM: their report, their words shown as text.
    const consoleWatch = watchConsole(page);
    await page.goto(link!);
    await expect(page.getByRole("heading", { name: `Your report ${reference}` })).toBeVisible();
    await expect(page.locator(".thread")).toContainText(complaint);
    await expect(page.locator(".thread b")).toHaveCount(0);
    await expectNoAxeViolations(page);
    expect(consoleWatch.errors).toEqual([]);
  });

  test("a forged push to /hooks/x is refused and files nothing", async ({ request, staffApi }) => {
    // A real event in X's shape, from a stand-in world that pushes nothing by itself.
    const word = tag();
    const made = await request.post(`${standIns().url}/x/forged/__control/mention`, {
      data: { text: `@ExampleHosting everything is down ${word}`, author: { username: `e2e_${word}`, name: "Mallory" } },
    });
    expect(made.status()).toBe(201);
    const body = JSON.stringify((await made.json()).activity_event);
    for (const signature of [undefined, "sha256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "sha256="]) {
      const res = await request.post("/hooks/x", {
        headers: { "content-type": "application/json", ...(signature ? { "x-twitter-webhooks-signature": signature } : {}) },
        data: body,
      });
      expect(res.status(), `signature ${signature}`).toBe(401);
      expect((await res.json()).error.code).toBe("unauthorized");
    }
    const inbox = await (await staffApi.get("/api/admin/reports?channel=x&limit=100")).json();
    expect(inbox.reports.filter((r: { subject: string }) => r.subject.includes(word))).toEqual([]);
  });

  test("a Mastodon mention and a Bluesky direct message are polled and answered the same way", async ({ staffApi }) => {
    const mastodonRun = tag();
    const mastodon = await social("mastodon", "mention", `@status webmail refuses my password ${mastodonRun}`, "--from", `e2e_${mastodonRun}`);
    const mastodonRef = /Report (R-[0-9A-Z]{8}) {2}\(mastodon, new, high\)/.exec(mastodon)?.[1];
    expect(mastodonRef, mastodon).toBeTruthy();
    const mastodonReply = /Our public reply:\n {2}(.+)/.exec(mastodon)?.[1];
    expect(mastodonReply).toMatch(new RegExp(`^@\\S+ We're on it: your report ${mastodonRef} `));
    expect(mastodonReply).not.toContain("/r/");
    expect(mastodon).toMatch(new RegExp(`Our private answer:\\n {2}.*/r/${mastodonRef}\\?k=`));
    const onMastodon = await (await staffApi.get(`/api/admin/reports/${mastodonRef}`)).json();
    expect(onMastodon).toMatchObject({ channel: "mastodon", subject: `webmail refuses my password ${mastodonRun}` });
    expect(onMastodon.reporter.social_handle).toContain(`e2e_${mastodonRun}`);

    const blueskyRun = tag();
    const bluesky = await social("bluesky", "dm", `our shop is offline since nine ${blueskyRun}`, "--from", `e2e-${blueskyRun}`);
    const blueskyRef = /Report (R-[0-9A-Z]{8}) {2}\(bluesky, new, high\)/.exec(bluesky)?.[1];
    expect(blueskyRef, bluesky).toBeTruthy();
    expect(bluesky).toMatch(/Our private answer:\n {2}Thanks, we received your report/);
    expect(bluesky).not.toContain("Our public reply");
    const onBluesky = await (await staffApi.get(`/api/admin/reports/${blueskyRef}`)).json();
    expect(onBluesky).toMatchObject({ channel: "bluesky", subject: `our shop is offline since nine ${blueskyRun}` });
    expect(onBluesky.reporter.social_handle).toBe(`e2e-${blueskyRun}.bsky.social`);
  });

  test("npm run x -- cost prints the month's X usage and the cap", async () => {
    const out = await social("x", "cost");
    expect(out).toMatch(/X usage in \d{4}-\d{2}/);
    expect(out).toMatch(/posts with a link +\d+ +\$0\.200/);
    expect(out).toMatch(/spend cap +\$25\.000/);
  });
});
