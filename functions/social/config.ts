// The social room's settings, read once from the Worker's vars: numbers and lists parsed here,
// with safe defaults, so the rest receives typed values.
import { listVar } from "../platform/config";
import type { Prices } from "./spend.pure";

export interface SocialConfig {
  /** Mentions become reports only when they contain one of these (lower case); empty: all. */
  keywords: string[];
  /** Optional answers (public replies, private answers to mentions) per network per hour. */
  repliesPerHour: number;
  /** X: replies an hour that carry the status link (a post with a link costs more). */
  linkedRepliesPerHour: number;
  /** X: the month-to-date estimate (USD) at which optional reads and posts stop; null: no cap. */
  spendCapUsd: number | null;
  prices: Prices;
}

export const socialDefaults = {
  repliesPerHour: 30,
  linkedRepliesPerHour: 10,
  // docs.x.com pay-per-use prices in USD, read 2026-12-01 (README "X: cost").
  prices: { post_read: 0.005, user_read: 0.01, dm_read: 0.01, post_create: 0.015, post_create_url: 0.2, dm_create: 0.015 } satisfies Prices,
} as const;

function nonNegative(value: unknown, fallback: number): number {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

export type SocialSettings = Pick<
  Env,
  | "SOCIAL_REPORT_KEYWORDS"
  | "SOCIAL_REPLIES_PER_HOUR"
  | "X_LINKED_REPLIES_PER_HOUR"
  | "X_MONTHLY_SPEND_CAP_USD"
  | "X_PRICE_POST_READ"
  | "X_PRICE_USER_READ"
  | "X_PRICE_DM_READ"
  | "X_PRICE_POST_CREATE"
  | "X_PRICE_POST_CREATE_URL"
  | "X_PRICE_DM_CREATE"
>;

export function readSocialConfig(env: Partial<SocialSettings>): SocialConfig {
  const p = socialDefaults.prices;
  const cap = (env.X_MONTHLY_SPEND_CAP_USD ?? "").trim();
  return {
    keywords: listVar(env.SOCIAL_REPORT_KEYWORDS).map((k) => k.toLowerCase()),
    repliesPerHour: nonNegative(env.SOCIAL_REPLIES_PER_HOUR, socialDefaults.repliesPerHour),
    linkedRepliesPerHour: nonNegative(env.X_LINKED_REPLIES_PER_HOUR, socialDefaults.linkedRepliesPerHour),
    spendCapUsd: cap === "" ? null : nonNegative(cap, 0),
    prices: {
      post_read: nonNegative(env.X_PRICE_POST_READ, p.post_read),
      user_read: nonNegative(env.X_PRICE_USER_READ, p.user_read),
      dm_read: nonNegative(env.X_PRICE_DM_READ, p.dm_read),
      post_create: nonNegative(env.X_PRICE_POST_CREATE, p.post_create),
      post_create_url: nonNegative(env.X_PRICE_POST_CREATE_URL, p.post_create_url),
      dm_create: nonNegative(env.X_PRICE_DM_CREATE, p.dm_create),
    },
  };
}
