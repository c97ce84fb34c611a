// Helpers for the channel tests (functions/channels/<name>/channel.test.ts): an alert message,
// the settings a channel reads pointed at the loopback fake providers, and a way to send one
// contact method through its channel and look at what the provider received.
import { expect, inject } from "vitest";
import { channels, type ContactMethod } from "../../functions/channels/registry";
import { ChannelError, type AlertMessage, type SendPurpose, type SendResult } from "../../functions/channels/types";
import type { RecordedRequest, ScriptedResponse } from "../fakes/types";
import { unique } from "../helpers";

/** Base URL of the loopback fake provider server (test/fakes/server.ts). */
export const fakeUrl = (): string => inject("fakeProviderUrl");

export function message(alertId = unique("al")): AlertMessage {
  return {
    alertId,
    ackCode: "7KQ2M",
    what: "Web hosting",
    component: "Web hosting",
    subject: "All sites give 502",
    reportCount: 3,
    reports: "3 reports",
    firstLabel: "The first report says",
    firstText: "Since 10:02 every site on web12 answers 502 & <b>nothing</b> loads.",
    urgency: "critical",
    reporter: null,
    ackUrl: `https://status.example-hosting.test/ack/${alertId}.alice.mh3k2p1.0123456789abcdef0123456789abcdef`,
    ackToken: `${alertId}.alice.mh3k2p1.0123456789abcdef0123456789abcdef`,
    title: "ALERT 7KQ2M: Web hosting: All sites give 502",
    text: `[Example Hosting] ALERT 7KQ2M: Web hosting: All sites give 502 (3 reports). "Since 10:02…" Ack: https://status.example-hosting.test/ack/${alertId} or reply 4`,
  };
}

export interface SentMail {
  to: string;
  from: string;
  subject: string;
  text: string;
  html?: string;
}

/** Every setting a channel may read, with providers at the fakes and mail recorded. */
export function channelSettings(opts: { mailFails?: boolean } = {}) {
  const base = fakeUrl();
  const mail: SentMail[] = [];
  const email = {
    async send(m: SentMail) {
      if (opts.mailFails) throw new Error("mail service unavailable");
      mail.push(m);
      return { messageId: `<${crypto.randomUUID()}@test>` };
    },
  };
  const settings = {
    EMAIL: email as unknown as SendEmail,
    MAIL_FROM: "status@example-hosting.test",
    PUBLIC_URL: "https://status.example-hosting.test",
    TWILIO_API_BASE: `${base}/twilio`,
    TWILIO_ACCOUNT_SID: "AC0123456789abcdef0123456789abcdef",
    TWILIO_AUTH_TOKEN: "twilio-test-auth-token",
    TWILIO_FROM: "+15005550006",
    TELEGRAM_API_BASE: `${base}/telegram`,
    TELEGRAM_BOT_TOKEN: "123456:TEST-token",
    PUSHOVER_API_BASE: `${base}/pushover`,
    PUSHOVER_APP_TOKEN: "azGDORePK8gMaC0QOYAMyEEuzJnyUi",
    PAGERDUTY_EVENTS_URL: `${base}/pagerduty/v2/enqueue`,
    NTFY_SERVER: `${base}/ntfy`,
    NTFY_TOKEN: "",
    WEBHOOK_SIGNING_SECRET: "whsec-test",
  } satisfies Partial<Env>;
  return { settings, mail };
}

/** Sends one contact method through its registered channel, as delivery does. */
export async function send(
  method: ContactMethod,
  msg = message(),
  opts: { purpose?: SendPurpose; timeoutMs?: number; settings?: Partial<Env>; mailFails?: boolean } = {},
): Promise<{ result: SendResult; mail: SentMail[] }> {
  const t = channelSettings({ mailFails: opts.mailFails });
  const adapter = channels[method.type] as { send(ctx: unknown, method: ContactMethod, msg: AlertMessage): Promise<SendResult> };
  const result = await adapter.send(
    { settings: { ...t.settings, ...opts.settings }, deliveryId: `${msg.alertId}:0:0:alice:0`, purpose: opts.purpose ?? "page", timeoutMs: opts.timeoutMs ?? 3000 },
    method,
    msg,
  );
  return { result, mail: t.mail };
}

/** What a fake provider received whose path or body contains `marker` (the test's own requests). */
export async function requestsFor(provider: string, marker: string): Promise<RecordedRequest[]> {
  const res = await fetch(`${fakeUrl()}/__requests?provider=${provider}`);
  return ((await res.json()) as RecordedRequest[]).filter((r) => r.body.includes(marker) || r.path.includes(marker));
}

/** The next answers of a fake provider to requests whose path or body contains `match`. */
export async function script(provider: string, match: string, responses: ScriptedResponse[]): Promise<void> {
  await fetch(`${fakeUrl()}/__script`, { method: "POST", body: JSON.stringify({ provider, match, responses }) });
}

/** The ChannelError a send failed with (fails the test when it succeeded or threw anything else). */
export async function failure(promise: Promise<unknown>): Promise<ChannelError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ChannelError);
  return err as ChannelError;
}
