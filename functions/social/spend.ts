// Where this month's X spend stands (spend.pure.ts prices the counts kept in social_usage).
import { readSocialConfig } from "./config";
import { usageOf } from "./queries";
import { estimateSpend, monthOf, type SpendEstimate } from "./spend.pure";
import type { SocialNetwork } from "./types";

export async function spendOf(db: D1Database, network: SocialNetwork, settings: Env, now: Date): Promise<SpendEstimate> {
  const config = readSocialConfig(settings);
  const counts = await usageOf(db, network.name, monthOf(now));
  // Only a billed network has prices; the others count their use for the record, at no cost.
  const prices = network.billed ? config.prices : { post_read: 0, user_read: 0, dm_read: 0, post_create: 0, post_create_url: 0, dm_create: 0 };
  return estimateSpend(counts, prices, now, network.billed ? config.spendCapUsd : null);
}
