// What the X API costs us this month, and whether the operator's cap is reached. X bills per
// resource read (each post, each user object, each DM event) and per write (a post with a link
// costs far more than one without); we count each as we go (social_usage) and price the counts
// with the configured prices. An estimate: X's own console is the bill (it also deduplicates a
// resource read twice in one UTC day, which we do not model, so we err on the high side).

export type UsageMetric = "post_read" | "user_read" | "dm_read" | "post_create" | "post_create_url" | "dm_create";
export type Usage = Partial<Record<UsageMetric, number>>;
export type Prices = Record<UsageMetric, number>;

export const usageMetrics: readonly UsageMetric[] = ["post_read", "user_read", "dm_read", "post_create", "post_create_url", "dm_create"];

export const metricLabels: Record<UsageMetric, string> = {
  post_read: "posts read (mentions)",
  user_read: "user objects read (authors)",
  dm_read: "DM events read",
  post_create: "posts without a link",
  post_create_url: "posts with a link",
  dm_create: "DMs sent",
};

/** The billing month of an instant: "YYYY-MM" in UTC. */
export function monthOf(now: Date): string {
  return now.toISOString().slice(0, 7);
}

export function monthBounds(now: Date): { start: Date; end: Date } {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return { start, end };
}

export interface SpendEstimate {
  month: string;
  lines: Array<{ metric: UsageMetric; label: string; count: number; price: number; usd: number }>;
  reads: number;
  writes: number;
  spentUsd: number;
  /** The month's spend if it goes on as it went so far. */
  projectedUsd: number;
  capUsd: number | null;
  capReached: boolean;
}

/** A projection from less than this much of the month would be noise (one busy minute times a month). */
const MIN_PROJECTION_MS = 24 * 3_600_000;

export function estimateSpend(counts: Usage, prices: Prices, now: Date, capUsd: number | null): SpendEstimate {
  const lines = usageMetrics.map((metric) => {
    const count = counts[metric] ?? 0;
    return { metric, label: metricLabels[metric], count, price: prices[metric], usd: round(count * prices[metric]) };
  });
  const spentUsd = round(lines.reduce((sum, l) => sum + l.usd, 0));
  const { start, end } = monthBounds(now);
  const elapsed = Math.max(now.getTime() - start.getTime(), MIN_PROJECTION_MS);
  const projectedUsd = round((spentUsd * (end.getTime() - start.getTime())) / Math.min(elapsed, end.getTime() - start.getTime()));
  return {
    month: monthOf(now),
    lines,
    reads: lines.filter((l) => l.metric.endsWith("_read")).reduce((s, l) => s + l.count, 0),
    writes: lines.filter((l) => !l.metric.endsWith("_read")).reduce((s, l) => s + l.count, 0),
    spentUsd,
    projectedUsd,
    capUsd,
    capReached: capUsd !== null && spentUsd >= capUsd,
  };
}

function round(usd: number): number {
  return Math.round(usd * 1000) / 1000;
}
