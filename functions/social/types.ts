// The one small interface every social network implements (X, Mastodon, Bluesky: one folder
// each, registered by one line in list.ts). A network reads its mentions and direct messages a
// page at a time, from a cursor it defines, and sends the posts it is given. Everything else
// is shared and lives in this room: storing and deduplicating what arrives (inbound.ts),
// turning it into reports or follow-ups (rules.pure.ts), the cursors and backoff (poll.ts),
// replies, private answers and update threads (outbound.ts, updates.ts), and the spend cap.
//
// Adapters keep to erasable TypeScript (no enums, no parameter properties): their fakes run
// in Node for `npm start`'s local stand-ins.
import type { Hono } from "hono";
import type { AppEnv } from "../platform/types";
import type { InboundMessage, NetworkName } from "./message.pure";
import type { Usage } from "./spend.pure";
import type { LengthRule } from "./texts.pure";

export type { InboundMessage, NetworkName } from "./message.pure";

/** A Worker var, secret or binding by name. */
export type SettingName = keyof Env & string;

/** Billable (or merely counted) API use: X bills reads per resource and writes per request. */
export type { Usage, UsageMetric } from "./spend.pure";

/** A feed a network is polled for. */
export interface StreamSpec {
  name: string;
  /**
   * Optional reads stop at the spend cap (X's mention timeline); customers' direct messages
   * are never optional.
   */
  optional: boolean;
}

/** Where a stream stands: the committed cursor and a pagination in progress (both opaque JSON
 * strings the adapter reads back). */
export interface StreamState {
  cursor: string | null;
  walk: string | null;
}

/** One page of a stream. */
export interface PollStep {
  messages: InboundMessage[];
  /** The stream's state once this page's messages are stored. */
  next: StreamState;
  /** No more pages now (the next poll starts from `next.cursor`). */
  done: boolean;
  /** True on the very first poll of a stream (no cursor yet): only recent messages count. */
  first: boolean;
  usage: Usage;
  /** The provider's rate-limit window, when it said: polling waits for the reset at zero. */
  rateLimit: RateLimit | null;
}

export interface RateLimit {
  remaining: number;
  resetAt: string;
}

/** A network's login that outlives one invocation (Bluesky's session), kept in D1. */
export interface SessionStore {
  load(): Promise<unknown>;
  save(data: unknown): Promise<void>;
}

export interface NetworkContext<K extends SettingName = SettingName> {
  settings: Pick<Env, K>;
  session: SessionStore;
  timeoutMs: number;
  now: Date;
}

/** A post to send, with everything resolved (outbound.ts finds the post a thread continues). */
export interface OutboundPost {
  /** Our id for it: networks that take an idempotency key (Mastodon) get it. */
  id: string;
  kind: "reply" | "private" | "update";
  text: string;
  /** The post this one answers or continues (its network id and, for Bluesky, its refs). */
  replyTo: { id: string; ref: Record<string, unknown> | null } | null;
  /** The first post of the thread (Bluesky reply refs name the root). */
  threadRoot: { id: string; ref: Record<string, unknown> | null } | null;
  /** Private answers: whom to write to. */
  recipient: { id: string; handle: string | null } | null;
}

export interface SentPost {
  /** The network's id of what was posted (X post id, Mastodon status id, at:// uri, chat message id). */
  remoteId: string;
  /** What a later reply to it needs (Bluesky: the cid). */
  remoteRef: string | null;
  usage: Usage;
}

/** How a network counts a post's length, and its limit. */
export type { LengthRule } from "./texts.pure";

export interface SocialNetwork<K extends SettingName = SettingName> {
  /** Also the reports' channel. */
  readonly name: NetworkName;
  /** "X", "Mastodon", "Bluesky". */
  readonly label: string;
  /** Every var and secret the adapter reads. */
  readonly settings: readonly K[];
  /** The network is on when these are all set. */
  readonly requiredSettings: readonly K[];
  readonly streams: readonly StreamSpec[];
  /** X is paid per use: its usage is priced and capped (spend.pure.ts). */
  readonly billed: boolean;
  /** Whether a public reply may carry a link without extra cost (X bills links). */
  readonly linksCostExtra: boolean;
  length(settings: Pick<Env, K>): LengthRule;
  /**
   * Which account the settings name (X user id, Mastodon instance and token, Bluesky handle):
   * cursors are kept per account, so a changed account starts afresh instead of reading
   * another's position.
   */
  accountKey(settings: Pick<Env, K>): string;
  /** Reads one page of a stream from the given state. Throws SocialApiError. */
  poll(ctx: NetworkContext<K>, stream: string, state: StreamState): Promise<PollStep>;
  /** Posts (or sends privately). Throws SocialApiError. */
  send(ctx: NetworkContext<K>, post: OutboundPost): Promise<SentPost>;
  /**
   * How long one private message may be (staff replies, staff-replies.ts): X's DMs take 10,000
   * characters, Bluesky's chat 1,000 graphemes, Mastodon's direct post its usual length less
   * the mention of `recipientHandle` its send adds. Without it, the post length.
   */
  privateLength?(settings: Pick<Env, K>, recipientHandle: string | null): LengthRule;
  /**
   * The recipient does not take private messages from us (X: their DMs are closed): a staff
   * reply then goes as a public reply to their post, without the private link. Networks
   * without it fail the reply, which stays on the reporter's private page.
   */
  privateRefused?(err: SocialApiError): boolean;
  /** Inbound webhooks the network pushes to us (X's /hooks/x), mounted by social/routes.ts. */
  readonly routes?: Hono<AppEnv>;
  /**
   * The path canary's round trip for the network's webhook (X: a CRC re-check): asks the
   * network to check the webhook again now, and judges what the network says of it. Posts
   * nothing. Throws SocialApiError when the network cannot be asked.
   */
  webhookCheck?(ctx: NetworkContext<K> & { publicUrl: string }): Promise<WebhookCheck>;
  /** The assurance check its webhook route records when it answers the network's own check (X:
   * `social:x:crc`), at most every `everyMs`: the canary reads it to see the network's checks
   * arrive. */
  readonly webhookAnswered?: { check: string; everyMs: number };
}

/** What a network says of its webhook: not set up here, or what is wrong (nothing: it works). */
export type WebhookCheck =
  | { unavailable: string }
  /** `asked`: the network was asked to check the webhook now (its check should arrive soon). */
  | { problems: string[]; check: string; asked: boolean; detail: Record<string, unknown> };

/** Declares a network with its setting names checked against Env. */
export function defineNetwork<const K extends SettingName>(network: SocialNetwork<K>): SocialNetwork<K> {
  return network;
}

/**
 * A provider call that did not work. `retryable`: 429, 5xx, timeouts and network errors (try
 * again at `retryAt` when the provider said when, else with backoff); the rest (bad
 * credentials, a refused DM, a post too long) will not work by trying again.
 */
export class SocialApiError extends Error {
  readonly status: number | null;
  readonly retryable: boolean;
  readonly retryAt: string | null;

  constructor(message: string, opts: { status: number | null; retryable: boolean; retryAt?: string | null }) {
    super(message);
    this.name = "SocialApiError";
    this.status = opts.status;
    this.retryable = opts.retryable;
    this.retryAt = opts.retryAt ?? null;
  }
}
