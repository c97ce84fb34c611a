// A mention or direct message as every network's adapter hands it over: normalised, so that
// deciding what it becomes (rules.pure.ts), storing it (social_inbound.message) and turning it
// into a report are the same for X, Mastodon and Bluesky. Stored as JSON and parsed back with
// this schema: a stored row is input like any other.
import * as z from "zod";
import { SocialChannel } from "../../contract/reports";

export type NetworkName = SocialChannel;

/** Bounds on what a network may hand us (X posts are short; DMs and Mastodon statuses less so). */
export const messageLimits = { id: 512, handle: 320, name: 200, text: 20_000, url: 2048 } as const;

export const InboundMessage = z.object({
  /** The network's id of the post or message: the report's channel message id. */
  id: z.string().min(1).max(messageLimits.id),
  /** A public post that names us (or replies to us), or a private message to us. */
  kind: z.enum(["mention", "direct"]),
  authorId: z.string().min(1).max(messageLimits.id),
  /** X username, Mastodon acct (user@instance), Bluesky handle; without "@". */
  authorHandle: z.string().min(1).max(messageLimits.handle),
  authorName: z.string().max(messageLimits.name).nullable(),
  /** Plain text (Mastodon's HTML already turned into text). */
  text: z.string().max(messageLimits.text),
  createdAt: z.iso.datetime({ offset: true }),
  /** The thread it belongs to (X conversation_id, the Bluesky thread's root), when known. */
  conversationId: z.string().max(messageLimits.id).nullable(),
  /** The post it answers, when it is a reply. */
  inReplyToId: z.string().max(messageLimits.id).nullable(),
  /** A repost (retweet, boost) of something: never a report. */
  isRepost: z.boolean(),
  /** Written by our own account (our replies and DMs show up in the same feeds). */
  fromSelf: z.boolean(),
  /** Where staff can open it. */
  url: z.string().max(messageLimits.url).nullable(),
  /** What answering it needs beyond its id: Bluesky's reply refs, Mastodon's visibility. */
  replyRef: z.record(z.string(), z.unknown()).nullable(),
});
export type InboundMessage = z.infer<typeof InboundMessage>;
