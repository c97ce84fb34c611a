// The one small interface every on-call channel implements. An adapter turns an alert message
// into its provider's real request and reports the provider's answer; the delivery code
// (functions/alerts/delivery.ts) owns retries, dedupe and records.
import type { ChannelType, ContactMethod } from "../../contract/oncall";

/** Everything a page says, already decided: adapters only shape it for their provider. */
export interface AlertMessage {
  alertId: string;
  ackCode: string;
  /** "Web hosting" or the reporter's subject when no component was named. */
  what: string;
  component: string | null;
  subject: string;
  reportCount: number;
  firstText: string;
  urgency: string;
  /** The signed, expiring acknowledgement page (GET confirms, POST acknowledges). */
  ackUrl: string;
  /** The token inside ackUrl, for webhooks that acknowledge (voice Gather). */
  ackToken: string;
  /** A headline of a few words. */
  title: string;
  /** The whole page in at most two SMS segments (see alerts/message.pure.ts). */
  text: string;
  /** The first report's reference, and (personal channels only) its reporter's contact. */
  reporter: { reference: string; name: string | null; email: string | null; phone: string | null } | null;
}

export type SendPurpose = "page" | "fallback" | "acknowledge" | "resolve" | "digest" | "followup";

export interface SendContext {
  env: Env;
  /** The notification id: providers that deduplicate (PagerDuty, Pushover) get it too. */
  deliveryId: string;
  purpose: SendPurpose;
  /** How long one provider request may take before it counts as a (retryable) failure. */
  timeoutMs: number;
}

export interface SendResult {
  /** The provider's id for what it accepted (message sid, receipt, ...), when it gives one. */
  providerId: string | null;
}

export interface ChannelAdapter<T extends ChannelType = ChannelType> {
  type: T;
  /** Worker secrets this channel cannot work without (checked by the doctor, named in errors). */
  requiredSecrets: readonly (keyof Env & string)[];
  /** Whether this channel is told about acknowledge/resolve too (PagerDuty), not only pages. */
  followsLifecycle?: boolean;
  /** One person's own device or inbox (email, SMS, voice, Pushover, Telegram): pages there may
   * carry the reporter's contact details. Shared channels (chat rooms, topics, webhooks) never. */
  personal?: boolean;
  send(ctx: SendContext, method: Extract<ContactMethod, { type: T }>, message: AlertMessage): Promise<SendResult>;
}

/**
 * A send that did not work. `retryable` failures (429, 5xx, timeouts, network) go back on the
 * queue with backoff, waiting at least `retryAfterSeconds` when the provider said so; the
 * others (bad number, revoked webhook, missing secret) will not work by trying again.
 */
export class ChannelError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
    this.name = "ChannelError";
  }
}

export function requireSecrets(env: Env, type: ChannelType, names: readonly (keyof Env & string)[]): void {
  const missing = names.filter((n) => !env[n]);
  if (missing.length > 0) throw new ChannelError(`${type}: ${missing.join(", ")} not set (wrangler secret put).`, false);
}
