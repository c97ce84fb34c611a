// The hotline as a newcomer meets it after `npm start`: the number on every page, and calling
// the demo hotline offline (`npm run phone -- call`, which drives the webhooks as Twilio would)
// produces a page mail whose link plays the voicemail copied from the local Twilio stand-in.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { E2E_PORT, E2E_STAFF_TOKEN } from "../playwright.config";
import { expect, test } from "./fixtures";
import { localMailWith } from "./local-mail";

/** The page mail (it has an acknowledgement link) about `marker`. */
const mailMentioning = (marker: string) => localMailWith(marker, "/ack/");


const run = promisify(execFile);
const HOTLINE = "+31201234567";

function phone(...args: string[]) {
  return run("npm", ["run", "--silent", "phone", "--", ...args], { env: { ...process.env, PORT: String(E2E_PORT), STAFF_TOKEN: E2E_STAFF_TOKEN }, timeout: 60_000 });
}

const caller = () => `+3161${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;

// Open alerts are resolved around each test by the shared fixture (fixtures.ts leaveAsFound),
// so these pages are never held behind another file's unacknowledged alert (issue 8).
test("every page shows the hotline as a tel: link", async ({ page }) => {
  for (const path of ["/", "/report", "/history", "/no-such-page"]) {
    await page.goto(path);
    await expect(page.locator(`footer a[href="tel:${HOTLINE}"]`)).toHaveText("+31 20 123 4567");
  }
  await page.goto("/");
  await expect(page.locator(`.contacts a[href="tel:${HOTLINE}"]`)).toBeVisible();
  await expect(page.locator(`.contacts a[href="sms:${HOTLINE}"]`)).toHaveText("send a text");
});

test("calling the demo hotline offline pages on-call with a link that plays the voicemail", async ({ request, staffApi }) => {
  const from = caller();
  const { stdout } = await phone("call", HOTLINE, "--from", from, "--say", "all our sites are down");
  expect(stdout).toContain('"Hello, you have reached the urgent line of Example Hosting."');
  expect(stdout).toMatch(/Newest phone report: R-[0-9A-Z]{8} "Voicemail from …\d{4}, 0:0\d"/);

  const mail = await mailMentioning(`Voicemail from …${from.slice(-4)}`);
  expect(mail).toContain(from); // a personal channel: the whole number, to call back
  const link = /https?:\/\/[^\s"]+(\/files\/[^\s"]+)/.exec(mail)![1]!;
  const audio = await request.get(link);
  expect(audio.status()).toBe(200);
  expect(audio.headers()["content-type"]).toBe("audio/wav");
  expect((await audio.body()).subarray(0, 4).toString()).toBe("RIFF");

  // Twilio's transcription joined the thread.
  const reference = /Newest phone report: (R-[0-9A-Z]{8})/.exec(stdout)![1]!;
  const report = (await (await staffApi.get(`/api/admin/reports/${reference}`)).json()) as { channel: string; messages: Array<{ body: string }> };
  expect(report.channel).toBe("phone");
  expect(report.messages.map((m) => m.body)).toContain('Transcription of the voicemail (automatic, may contain errors): "all our sites are down"');
});

test("texting the demo hotline files a report and answers with its reference", async ({ staffApi }) => {
  const from = caller();
  const { stdout } = await phone("sms", HOTLINE, "sites down", "--from", from);
  expect(stdout).toMatch(/Answer to the sender: Example Hosting: message received, reference R-[0-9A-Z]{8}\./);
  const reference = /reference (R-[0-9A-Z]{8})/.exec(stdout)![1]!;
  // Stored and on its way to on-call (paged, or in the digest while the voicemail's alert is
  // still unacknowledged: issue 8's one pager per policy).
  const report = (await (await staffApi.get(`/api/admin/reports/${reference}`)).json()) as { channel: string; reporter: { phone: string }; messages: Array<{ body: string }>; alert: unknown };
  expect(report).toMatchObject({ channel: "sms", reporter: { phone: from } });
  expect(report.messages[0]!.body).toBe("sites down");
  await expect.poll(async () => ((await (await staffApi.get(`/api/admin/reports/${reference}`)).json()) as { alert: unknown }).alert).not.toBeNull();
});
