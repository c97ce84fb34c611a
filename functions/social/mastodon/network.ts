// Mastodon through its REST API, with an access token of our account on MASTODON_URL:
//   in:  GET /api/v1/notifications?types[]=mention, paged forward with min_id (the cursor is
//        the newest notification id handled). A mention with `direct` visibility is a private
//        message: Mastodon has no other kind.
//   out: POST /api/v1/statuses: replies with in_reply_to_id (mentioning the author, or they
//        would not be told), private answers with `direct` visibility, update threads in public;
//        every post carries an Idempotency-Key (our post id), so a retried send posts once.
// Polling only: Mastodon's webhooks are an instance administrator's (status.created fires for
// statuses written on that instance, not for mentions arriving from elsewhere), and a company
// account usually lives on someone else's instance.
import * as z from "zod";
import { callApi, trimSlash } from "../http";
import { defineNetwork, SocialApiError, type PollStep } from "../types";
import type { InboundMessage } from "../message.pure";
import { htmlToText, mastodonRule } from "./text.pure";

/** Mastodon's largest notifications page. */
const PAGE_SIZE = 40;

const Account = z.object({ id: z.string().min(1).max(64), acct: z.string().min(1).max(320), display_name: z.string().max(200).optional(), url: z.string().max(2048).optional() });
const Status = z.object({
  id: z.string().min(1).max(64),
  created_at: z.string(),
  in_reply_to_id: z.string().max(64).nullable().optional(),
  visibility: z.string(),
  content: z.string().max(100_000),
  url: z.string().max(2048).nullable().optional(),
  reblog: z.unknown().optional(),
  account: Account,
});
export const MastodonNotification = z.object({ id: z.string().min(1).max(64), type: z.string(), created_at: z.string(), account: Account, status: Status.nullable().optional() });

interface Cursor {
  minId: string;
}

/** Mastodon ids are numbers too large for a double: compare them as numbers written in decimal. */
export function newerId(a: string, b: string): boolean {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return a.length !== b.length ? a.length > b.length : a > b;
  return a > b;
}

function hostOf(base: string): string {
  try {
    return new URL(base).host;
  } catch {
    return base;
  }
}

/** A notification as an InboundMessage (null for anything but a mention with its status). */
export function fromNotification(n: z.infer<typeof MastodonNotification>, instanceHost: string): InboundMessage | null {
  if (n.type !== "mention" || !n.status) return null;
  const s = n.status;
  // Accounts of our own instance have no domain in `acct`: name it, so the handle is unambiguous.
  const acct = s.account.acct.includes("@") ? s.account.acct : `${s.account.acct}@${instanceHost}`;
  return {
    id: s.id,
    kind: s.visibility === "direct" ? "direct" : "mention",
    authorId: s.account.id,
    authorHandle: acct,
    authorName: s.account.display_name?.trim() || null,
    text: htmlToText(s.content),
    createdAt: new Date(Date.parse(s.created_at) || Date.parse(n.created_at)).toISOString(),
    conversationId: null,
    inReplyToId: s.in_reply_to_id ?? null,
    isRepost: s.reblog !== undefined && s.reblog !== null,
    fromSelf: false,
    url: s.url ?? null,
    replyRef: { visibility: s.visibility, acct },
  };
}

const settings = ["MASTODON_URL", "MASTODON_ACCESS_TOKEN", "MASTODON_MAX_CHARS"] as const;

export const mastodonNetwork = defineNetwork({
  name: "mastodon",
  label: "Mastodon",
  settings,
  requiredSettings: ["MASTODON_URL", "MASTODON_ACCESS_TOKEN"],
  // Free to read: nothing is optional.
  streams: [{ name: "mentions", optional: false }],
  billed: false,
  linksCostExtra: false,
  length: (s) => mastodonRule(Number(s.MASTODON_MAX_CHARS) > 0 ? Number(s.MASTODON_MAX_CHARS) : 500),
  // A direct post starts with the mention send adds ("@acct "), which counts towards the length.
  privateLength(s, handle) {
    const rule = mastodonRule(Number(s.MASTODON_MAX_CHARS) > 0 ? Number(s.MASTODON_MAX_CHARS) : 500);
    return { max: rule.max - (handle ? rule.measure(`@${handle} `) : 0), measure: rule.measure };
  },
  accountKey: (s) => trimSlash(s.MASTODON_URL ?? "").replace(/^https?:\/\//, ""),

  async poll(ctx, _stream, state): Promise<PollStep> {
    const base = trimSlash(ctx.settings.MASTODON_URL);
    const cursor = state.cursor ? (JSON.parse(state.cursor) as Cursor) : null;
    const query = new URLSearchParams({ "types[]": "mention", limit: String(PAGE_SIZE) });
    if (cursor) query.set("min_id", cursor.minId);
    const res = await callApi("Mastodon", `${base}/api/v1/notifications?${query}`, { headers: { authorization: `Bearer ${ctx.settings.MASTODON_ACCESS_TOKEN}`, accept: "application/json" } }, {
      timeoutMs: ctx.timeoutMs,
      now: ctx.now,
      rateLimitPrefix: "x-ratelimit",
    });
    if (!Array.isArray(res.json)) throw new SocialApiError("Mastodon: notifications did not answer with a list.", { status: res.status, retryable: true });
    const host = hostOf(base);
    const items = res.json.flatMap((n) => {
      const parsed = MastodonNotification.safeParse(n);
      return parsed.success ? [parsed.data] : [];
    });
    const messages = items.flatMap((n) => fromNotification(n, host) ?? []);
    const newest = res.json
      .map((n) => (n as { id?: unknown })?.id)
      .filter((id): id is string => typeof id === "string")
      .reduce<string | null>((max, id) => (max === null || newerId(id, max) ? id : max), cursor?.minId ?? null);
    return {
      messages,
      // No mention at all yet: everything after id 0 is new.
      next: { cursor: JSON.stringify({ minId: newest ?? "0" } satisfies Cursor), walk: null },
      // With min_id each page is the next newer one: a full page may have more after it.
      done: !cursor || res.json.length < PAGE_SIZE,
      first: !cursor,
      usage: {},
      rateLimit: res.rateLimit,
    };
  },

  async send(ctx, post) {
    const base = trimSlash(ctx.settings.MASTODON_URL);
    const ref = post.replyTo?.ref ?? null;
    const acct = typeof ref?.acct === "string" ? ref.acct : (post.recipient?.handle ?? null);
    let status = post.text;
    let visibility = "public";
    if (post.kind === "private") {
      if (!acct) throw new SocialApiError("Mastodon: a private answer needs the account to write to.", { status: null, retryable: false });
      status = `@${acct} ${post.text}`;
      visibility = "direct";
    } else if (post.kind === "reply") {
      if (acct) status = `@${acct} ${post.text}`;
      // Never louder than what we answer: a followers-only or direct mention gets a direct reply.
      const theirs = typeof ref?.visibility === "string" ? ref.visibility : "public";
      visibility = theirs === "public" || theirs === "unlisted" ? theirs : "direct";
    }
    const body: Record<string, unknown> = { status, visibility };
    if (post.replyTo) body.in_reply_to_id = post.replyTo.id;
    const res = await callApi(
      "Mastodon",
      `${base}/api/v1/statuses`,
      {
        method: "POST",
        headers: { authorization: `Bearer ${ctx.settings.MASTODON_ACCESS_TOKEN}`, "content-type": "application/json", "idempotency-key": post.id },
        body: JSON.stringify(body),
      },
      { timeoutMs: ctx.timeoutMs, now: ctx.now, rateLimitPrefix: "x-ratelimit" },
    );
    const id = (res.json as { id?: unknown } | null)?.id;
    if (typeof id !== "string") throw new SocialApiError("Mastodon: the new status has no id.", { status: res.status, retryable: false });
    return { remoteId: id, remoteRef: null, usage: {} };
  },
});
