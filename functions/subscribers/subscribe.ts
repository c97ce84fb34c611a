// Subscribing: email with double opt-in, webhooks with a verification ping, Slack and Teams
// with a first message. The form is a mail and request sender anyone can drive, so what it
// makes us send is capped per target and per client an hour, and repeats nothing typed in it.
import type { SubscriberChannel } from "../../contract/jobs";
import type { SubscribeInput } from "../../contract/subscribers";
import { siteConfig } from "../../site.config";
import { ChannelError } from "../channels/types";
import { callProvider } from "../channels/http";
import { randomToken, sha256Hex } from "../platform/crypto";
import { ApiError } from "../platform/errors";
import type { Services } from "../platform/services";
import { signWebhook, WEBHOOK_SIGNATURE_HEADER } from "../platform/webhook-signature";
import { findComponents } from "../status/queries";
import { alreadySubscribedMail, confirmationMail, slackMessage, teamsMessage, webhookVerifyBody, welcomeNotice } from "./message.pure";
import {
  countSubscriptionSends,
  findSubscriberByTarget,
  recordSubscriptionSendStatement,
  replaceComponentsStatements,
  upsertActive,
  upsertPending,
} from "./queries";
import { CONFIRM_LINK_TTL_MS, confirmUrl, newConfirmToken, newSubscriberId, unsubscribeUrl } from "./tokens";

type SubscribeServices = Pick<Services, "db" | "mail" | "config">;

/** How long a verification ping (or first message) may take. */
export const VERIFY_TIMEOUT_MS = 5000;

/** Unknown component ids are a field error (the form only offers ours). */
async function requireComponents(db: D1Database, ids: readonly string[], field: string): Promise<string[]> {
  const unique = [...new Set(ids)];
  const found = new Set((await findComponents(db, unique)).map((c) => c.id));
  const unknown = unique.filter((id) => !found.has(id));
  if (unknown.length > 0) throw new ApiError("validation_failed", "Choose components from the list.", { fields: { [field]: `There is no component ${unknown[0]}.` } });
  return unique;
}

/** Under the hourly caps for this target and client? Records the send when it is. */
async function claimSend(svc: SubscribeServices, target: string, clientHash: string | null, now: Date): Promise<boolean> {
  const targetHash = await sha256Hex(`subscription-target\n${target}`);
  const since = new Date(now.getTime() - 3_600_000).toISOString();
  const sent = await countSubscriptionSends(svc.db, targetHash, clientHash, since);
  const caps = svc.config.confirmations;
  if (sent.target >= caps.perAddressPerHour || sent.client >= caps.perClientPerHour) return false;
  await recordSubscriptionSendStatement(svc.db, targetHash, clientHash, now.toISOString()).run();
  return true;
}

export type EmailOutcome = "confirmation-sent" | "reminder-sent" | "capped";

/**
 * An email subscription: a pending row and the confirmation mail (or, for an address already
 * subscribed, a mail saying so with its unsubscribe link). The caller answers the same way
 * whatever the outcome, so the form never tells whether an address is subscribed.
 */
export async function subscribeEmail(svc: SubscribeServices, input: { email: string; components: readonly string[] }, clientHash: string | null, now: Date): Promise<EmailOutcome> {
  const components = await requireComponents(svc.db, input.components, "components");
  const existing = await findSubscriberByTarget(svc.db, "email", input.email);
  if (!(await claimSend(svc, `email:${input.email}`, clientHash, now))) {
    console.warn("subscribe: no mail sent, the address or client is over its hourly limit");
    return "capped";
  }
  const statusUrl = `${svc.config.publicUrl}/`;
  if (existing?.state === "active") {
    await send(svc, input.email, alreadySubscribedMail({ siteName: siteConfig.name, unsubscribeUrl: await unsubscribeUrl(svc.config, existing.id), statusUrl }));
    return "reminder-sent";
  }
  const id = existing?.id ?? newSubscriberId();
  const { token, hash } = await newConfirmToken(id);
  const stored = await upsertPending(svc.db, {
    id,
    channel: "email",
    target: input.email,
    allComponents: components.length === 0,
    tokenHash: hash,
    expiresAt: new Date(now.getTime() + CONFIRM_LINK_TTL_MS).toISOString(),
    clientHash,
    now: now.toISOString(),
  });
  // Null: it became active in between (a confirmation in another tab). Nothing to confirm.
  if (stored === null) return "reminder-sent";
  if (stored !== id) throw new Error("subscribe: the address was subscribed at the same moment; try again");
  await svc.db.batch(replaceComponentsStatements(svc.db, id, components));
  await send(svc, input.email, confirmationMail({ siteName: siteConfig.name, confirmUrl: confirmUrl(svc.config, token), statusUrl, hoursValid: CONFIRM_LINK_TTL_MS / 3_600_000 }));
  return "confirmation-sent";
}

async function send(svc: SubscribeServices, to: string, mail: { subject: string; text: string }): Promise<void> {
  await svc.mail.send({ to, from: svc.config.mailFrom, subject: mail.subject, text: mail.text, headers: { "Auto-Submitted": "auto-generated" } });
}

/** Where the Worker may post: https, and for Slack its own host (in production). */
export function checkHookUrl(channel: Exclude<SubscriberChannel, "email">, url: string, environment: string): string | null {
  const u = new URL(url);
  const production = environment !== "development";
  if (production && u.protocol !== "https:") return "Use an https:// address.";
  if (u.username || u.password) return "Leave user names and passwords out of the URL.";
  if (production && channel === "slack" && u.hostname !== "hooks.slack.com") return "A Slack incoming webhook URL starts with https://hooks.slack.com/.";
  return null;
}

export interface HookSubscribed {
  id: string;
  channel: Exclude<SubscriberChannel, "email">;
  /** The webhook signing secret, shown once (null for Slack and Teams). */
  secret: string | null;
}

/**
 * A webhook, Slack or Teams subscription: the target must take our first message (a webhook
 * must answer the verification ping with its challenge) before anything is stored. A target
 * already subscribed is a field error (only its owner knows the URL).
 */
export async function subscribeHook(
  svc: SubscribeServices,
  input: Extract<SubscribeInput, { url: string }>,
  clientHash: string | null,
  now: Date,
): Promise<HookSubscribed> {
  const problem = checkHookUrl(input.channel, input.url, svc.config.environment);
  if (problem) throw new ApiError("validation_failed", problem, { fields: { url: problem } });
  const components = await requireComponents(svc.db, input.components, "components");
  const existing = await findSubscriberByTarget(svc.db, input.channel, input.url);
  if (existing?.state === "active") {
    throw new ApiError("validation_failed", "This URL is already subscribed.", { fields: { url: "This URL is already subscribed. Its messages carry an unsubscribe link." } });
  }
  if (!(await claimSend(svc, `${input.channel}:${input.url}`, clientHash, now))) {
    throw new ApiError("rate_limited", "Too many subscription attempts for this URL or from your connection. Please wait an hour and try again.", {
      headers: { "Retry-After": "3600" },
    });
  }
  const id = existing?.id ?? newSubscriberId();
  const secret = input.channel === "webhook" ? `whsec_${randomToken(24)}` : null;
  await verifyHook(svc, { id, channel: input.channel, url: input.url, secret }, now);
  const stored = await upsertActive(svc.db, { id, channel: input.channel, target: input.url, allComponents: components.length === 0, secret, clientHash, now: now.toISOString() });
  await svc.db.batch(replaceComponentsStatements(svc.db, stored, components));
  return { id: stored, channel: input.channel, secret };
}

/** Posts the first message; any failure becomes a message at the URL field. */
async function verifyHook(svc: SubscribeServices, h: { id: string; channel: Exclude<SubscriberChannel, "email">; url: string; secret: string | null }, now: Date): Promise<void> {
  const statusUrl = `${svc.config.publicUrl}/`;
  const documentationUrl = `${svc.config.publicUrl}/subscribe`;
  const unsubscribe = await unsubscribeUrl(svc.config, h.id);
  let body: string;
  const headers: Record<string, string> = { "content-type": "application/json" };
  const challenge = randomToken(18);
  if (h.channel === "webhook") {
    body = JSON.stringify(webhookVerifyBody({ subscriptionId: h.id, challenge, siteName: siteConfig.name, documentationUrl }));
    headers[WEBHOOK_SIGNATURE_HEADER] = await signWebhook(h.secret!, body, Math.floor(now.getTime() / 1000));
  } else {
    const notice = welcomeNotice({ siteName: siteConfig.name, statusUrl, at: now.toISOString() });
    body = JSON.stringify(h.channel === "slack" ? slackMessage(notice, { siteName: siteConfig.name, unsubscribeUrl: unsubscribe }) : teamsMessage(notice, { siteName: siteConfig.name, unsubscribeUrl: unsubscribe }));
  }
  let answer: { text: string; json: unknown };
  try {
    answer = await callProvider(h.channel, h.url, { method: "POST", headers, body, redirect: "manual" }, VERIFY_TIMEOUT_MS);
  } catch (err) {
    const why = err instanceof ChannelError ? err.message.replace(/^[a-z]+: /, "") : String(err);
    const message = `We could not deliver a first message to this URL: ${why.slice(0, 200)}`;
    throw new ApiError("validation_failed", message, { fields: { url: message } });
  }
  if (h.channel !== "webhook") return;
  const echoed = answer.text.trim() === challenge || (typeof answer.json === "object" && answer.json !== null && (answer.json as { challenge?: unknown }).challenge === challenge);
  if (!echoed) {
    const message = "Your endpoint answered, but not with the challenge of our verification ping. Answer it with the challenge (as text, or as JSON {\"challenge\": ...}).";
    throw new ApiError("validation_failed", message, { fields: { url: message } });
  }
}
