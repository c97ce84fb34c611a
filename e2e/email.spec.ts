// The inbound-email demo, as the README promises it: with the product running (npm start),
// `npm run mail -- samples/mail/voicemail.eml` files a report with the audio linked, pages the
// demo on-call with the caller's number, and answers the sender with the reference.
import { spawnSync } from "node:child_process";
import { E2E_PORT, E2E_STAFF_TOKEN } from "../playwright.config";
import { expect, test } from "./fixtures";
import { localMailWith as mailMentioning } from "./local-mail";


test("npm run mail -- samples/mail/voicemail.eml: a report with the audio, a page with the caller's number, an auto-reply", async ({ staffApi, request }) => {
  const run = spawnSync(process.execPath, ["scripts/mail.mjs", "samples/mail/voicemail.eml"], {
    env: { ...process.env, PORT: String(E2E_PORT), STAFF_TOKEN: E2E_STAFF_TOKEN },
    encoding: "utf8",
  });
  expect(run.status, run.stderr).toBe(0);
  expect(run.stdout).toContain("Forwarded to noc-mailbox@example-hosting.test");
  const reference = /Auto-reply \(message\.reply\) to voicemail@phone-service\.example: \[(R-[0-9A-Z]{8})\] We received your urgent report/.exec(run.stdout)?.[1];
  expect(reference, run.stdout).toBeTruthy();

  const res = await staffApi.get(`/api/admin/reports/${reference}`);
  expect(res.status()).toBe(200);
  const report = (await res.json()) as { subject: string; reporter: { phone: string }; messages: Array<{ body: string }>; files: Array<{ kind: string; link: string }> };
  expect(report.subject).toBe("Voicemail from +31 20 765 4321, 0:04");
  expect(report.reporter.phone).toBe("+31 20 765 4321");
  const listen = /Listen: (\S+)/.exec(report.messages[0]!.body)![1]!;
  const audio = await request.get(new URL(listen).pathname);
  expect(audio.status()).toBe(200);
  expect(audio.headers()["content-type"]).toBe("audio/wav");

  const page = await mailMentioning(reference!, "/ack/");
  expect(page).toContain("Voicemail from +31 20 765 4321");
  const reply = await mailMentioning(`[${reference}] We received your urgent report`, "In-Reply-To:");
  expect(reply).toMatch(/^auto-submitted: auto-replied/im);
  expect(reply).toMatch(/^In-Reply-To: <.+@phone-service\.example>/m);
});
