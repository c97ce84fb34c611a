// A subscriber's side of the local server: subscribing by email, and the mail it sent them,
// read from Miniflare's simulated mail through the local explorer API. Shared by the specs that
// follow a status change into a subscriber's mailbox.
import type { APIRequestContext, Page } from "@playwright/test";
import { expect } from "./fixtures";

export interface SentMail {
  worker: string;
  to: string[];
  subject: string;
  messageId: string;
  headers?: Record<string, string>;
  text?: string;
}

/** Mail this server sent to `to` whose subject contains `subject`, with its text (waits for it). */
export async function mailTo(request: APIRequestContext, to: string, subject: string): Promise<SentMail> {
  let found: SentMail | undefined;
  await expect
    .poll(
      async () => {
        const res = await request.get("/cdn-cgi/local/explorer/api/local/email/sending");
        const list = ((await res.json()) as { result: SentMail[] }).result;
        // Other local wrangler sessions may list mail too: ours is worker "outofband".
        found = list.find((m) => m.worker === "outofband" && m.to.includes(to) && m.subject.includes(subject));
        return Boolean(found);
      },
      { timeout: 20_000, message: `a mail to ${to} about "${subject}"` },
    )
    .toBe(true);
  const detail = await request.get(`/cdn-cgi/local/explorer/api/local/email/sending?email_id=${encodeURIComponent(found!.messageId)}`);
  return ((await detail.json()) as { result: SentMail }).result;
}

export function linkIn(text: string, path: string): string {
  const match = new RegExp(`https?://[^\\s]+${path}[^\\s]+`).exec(text);
  if (!match) throw new Error(`no ${path} link in:\n${text}`);
  return match[0];
}

export function uniqueIp(): string {
  const b = Array.from({ length: 3 }, () => Math.floor(Math.random() * 254) + 1);
  return `10.${b[0]}.${b[1]}.${b[2]}`;
}

export async function subscribeByEmail(page: Page, email: string): Promise<void> {
  await page.goto("/subscribe");
  await page.getByLabel("Your email address").fill(email);
  await page.getByRole("button", { name: "Subscribe by email" }).click();
  await expect(page).toHaveURL(/\/subscribe\?sent=email$/);
  await expect(page.getByRole("status").filter({ hasText: "Check your inbox" })).toBeVisible();
}

/** A confirmed email subscriber (the double opt-in done as a person would). */
export async function confirmedSubscriber(page: Page, request: APIRequestContext, email: string): Promise<void> {
  await page.setExtraHTTPHeaders({ "cf-connecting-ip": uniqueIp() });
  await subscribeByEmail(page, email);
  const confirmation = await mailTo(request, email, "Confirm your subscription");
  await page.goto(linkIn(confirmation.text!, "/subscribe/confirm/"));
  await page.getByRole("button", { name: "Confirm my subscription" }).click();
  await expect(page.getByRole("heading", { name: "You are subscribed" })).toBeVisible();
}
