// The one small interface every on-call channel implements. A channel declares what it is
// (its contact-method fields, its provider, the settings it reads, whether it may carry
// personal data) and how it sends; the delivery code (functions/alerts/delivery.ts) owns
// retries, dedupe and records.
//
// The Node CLI (scripts/oncall.mjs) loads every channel through the on-call schema, so this
// room holds erasable TypeScript only: no enums, no parameter properties, `import type` for
// types.
import * as z from "zod";

/** Everything a page says, already decided: adapters only shape it for their provider. */
export interface AlertMessage {
  alertId: string;
  ackCode: string;
  /** "Web hosting" or the reporter's subject when no component was named. */
  what: string;
  component: string | null;
  subject: string;
  reportCount: number;
  /** "1 report", "3 reports", or "Raised by a check (no reports)" for an alert a monitor, a
   * heartbeat, the assurance watch or the weekly test page raised (alerts/message.pure.ts). */
  reports: string;
  /** What introduces firstText: "The first report says" or "The check says". */
  firstLabel: string;
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

/** A Worker var, secret or binding by name. */
export type SettingName = keyof Env & string;

export interface SendContext<K extends SettingName = SettingName> {
  /** Only the vars, secrets and bindings the channel declared; callers pass the Worker's env. */
  settings: Pick<Env, K>;
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

/** A contact method as every channel has it: its type, and an optional id the person chose. */
export interface ContactMethodBase<T extends string = string> {
  type: T;
  id?: string | undefined;
}

/** The contact method of a channel with these fields (e.g. `{ webhookUrl }`). */
export type ContactMethodOf<T extends string, F extends z.ZodRawShape> = ContactMethodBase<T> & z.output<z.ZodObject<F>>;
/** The same, as written in a configuration file (before defaults). */
export type ContactMethodInputOf<T extends string, F extends z.ZodRawShape> = ContactMethodBase<T> & z.input<z.ZodObject<F>>;

/** One thing a provider's own setup check found (functions/oncall/doctor.ts shows them). */
export interface SetupFinding {
  verdict: "warn" | "fail";
  text: string;
  /** The provider could not be asked (a timeout, an error): nothing is known, nothing verified. */
  unchecked?: true;
}

export interface SetupContext<K extends SettingName = SettingName> {
  settings: Pick<Env, K>;
  /** This Worker's public address, where the provider's webhooks must point. */
  publicUrl: string;
  /** The hotline number shown on every page (site.config.ts contacts.phone), E.164, or null. */
  hotline: string | null;
  timeoutMs: number;
}

/**
 * The path canary's question to a channel (functions/canary): "would a page reach this contact
 * method?", asked in the strongest way that wakes nobody: the provider's read-only API for the
 * credentials, the sender and the destination, a canary topic, a round-trip mail address.
 */
export interface SilentCheckContext<K extends SettingName = SettingName> {
  settings: Pick<Env, K>;
  timeoutMs: number;
  canary: {
    /** The ntfy topic nobody subscribes to (ASSURANCE_NTFY_TOPIC). */
    ntfyTopic: string;
    /** The round-trip address Email Routing delivers back to this Worker (ASSURANCE_CANARY_MAIL), or "". */
    mailTo: string;
    /** Who the canary mail is from (MAIL_FROM). */
    mailFrom: string;
    /** The canary run, named in what it sends (the round trip matches it). */
    runId: string;
  };
}

/** A channel's silent check: what it is (shown in assurance even when it fails), whether it
 * asks about each contact method or is the same for everybody, and the check itself, which
 * throws (a ChannelError) when a page would not get through. */
export interface SilentCheck<T extends string, F extends z.ZodRawShape, K extends SettingName> {
  describe: string;
  /** True: asked for each contact method (Telegram's chat); false: once (mail's round trip). */
  perMethod: boolean;
  run(ctx: SilentCheckContext<K>, method: ContactMethodOf<T, F>): Promise<SilentCheckResult>;
}

/** What a silent check did, in words shown in assurance ("Telegram getMe + getChat"). */
export interface SilentCheckResult {
  check: string;
  /** Anything worth keeping with the verdict (the provider's account status, a message id). */
  detail?: Record<string, unknown>;
}

// Without type arguments, a channel of any type: what delivery holds before it knows which.
export interface ChannelAdapter<T extends string = string, F extends z.ZodRawShape = any, K extends SettingName = SettingName> {
  /** The contact method's `type` in the on-call configuration. */
  readonly type: T;
  /**
   * Personal channels reach one person's own device or inbox (email, SMS, a phone call, their
   * Pushover or Telegram chat): a page there may carry the reporter's contact details. Shared
   * channels (a team chat, a webhook, PagerDuty) never do.
   */
  readonly personal: boolean;
  /**
   * Who carries the message. Channels of one provider fail together (SMS and voice are both
   * Twilio), so the doctor counts them as one independent kind.
   */
  readonly provider: string;
  /** Every var, secret and binding `send` reads (its `settings`). */
  readonly settings: readonly K[];
  /** The secrets among them this channel cannot work without (checked by the doctor, named in errors). */
  readonly requiredSecrets: readonly K[];
  /** Whether this channel is told about acknowledge/resolve too (PagerDuty), not only pages. */
  readonly followsLifecycle: boolean;
  /**
   * The fields of its contact method beyond `type` and `id`, as zod shapes; the on-call
   * configuration (functions/oncall/config.ts) wraps them into the contact-method union.
   */
  readonly contactFields: F;
  send(ctx: SendContext<K>, method: ContactMethodOf<T, F>, message: AlertMessage): Promise<SendResult>;
  /**
   * Asks the provider whether it is set up to reach this Worker (its webhooks point here), for
   * the doctor. Declared by one channel per provider; nothing found is an empty list.
   */
  readonly checkSetup?: (ctx: SetupContext<K>) => Promise<SetupFinding[]>;
  /**
   * The check that wakes nobody, for the path canary; throws (a ChannelError) when a page would
   * not get through. Channels without one (chat webhooks, PagerDuty) rely on the weekly
   * human-path check, and assurance says so.
   */
  readonly silentCheck?: SilentCheck<T, F, K>;
}

/**
 * Declares a channel with its types inferred: `settings` lists what `send` may read, and
 * `send` sees only those (a channel that reads an undeclared var does not compile).
 */
export function defineChannel<const T extends string, const F extends z.ZodRawShape, const K extends SettingName = never>(channel: {
  type: T;
  personal: boolean;
  provider: string;
  settings: readonly K[];
  requiredSecrets: readonly NoInfer<K>[];
  followsLifecycle?: boolean;
  contactFields: F;
  send(ctx: SendContext<NoInfer<K>>, method: ContactMethodOf<T, F>, message: AlertMessage): Promise<SendResult>;
  checkSetup?: (ctx: SetupContext<NoInfer<K>>) => Promise<SetupFinding[]>;
  silentCheck?: SilentCheck<T, F, NoInfer<K>>;
}): ChannelAdapter<T, F, K> {
  return { ...channel, followsLifecycle: channel.followsLifecycle ?? false };
}

/**
 * A send that did not work. `retryable` failures (429, 5xx, timeouts, network) go back on the
 * queue with backoff, waiting at least `retryAfterSeconds` when the provider said so; the
 * others (bad number, revoked webhook, missing secret) will not work by trying again.
 */
export class ChannelError extends Error {
  readonly retryable: boolean;
  readonly retryAfterSeconds: number | null;

  constructor(message: string, retryable: boolean, retryAfterSeconds: number | null = null) {
    super(message);
    this.name = "ChannelError";
    this.retryable = retryable;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export function requireSecrets<K extends SettingName>(settings: Pick<Env, K>, type: string, names: readonly K[]): void {
  const missing = names.filter((n) => !settings[n]);
  if (missing.length > 0) throw new ChannelError(`${type}: ${missing.join(", ")} not set (wrangler secret put).`, false);
}
