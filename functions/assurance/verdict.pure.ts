// What a path's or channel's record means, in one word, for the assurance view and the doctor:
//   verified     it worked within the last two canary intervals, and has not failed since;
//   failing      its last attempt failed (the error says why);
//   stale        it worked once, but not within two intervals (the canary is not running);
//   unverified   it never worked;
//   unavailable  the path is not set up here (not configured), so it is not driven;
//   human-path   the channel has no silent check: the weekly human-path check covers it;
//   unused       no contact method of the on-call configuration uses the channel.

export type Verdict = "verified" | "failing" | "stale" | "unverified" | "unavailable" | "human-path" | "unused";

export interface CheckRecord {
  lastVerifiedAt: string | null;
  lastErrorAt: string | null;
  detail: unknown;
}

/** How old a verification may be: two intervals and five minutes (a late tick, a slow run). */
export function freshnessMs(everyMinutes: number): number {
  return (2 * everyMinutes + 5) * 60_000;
}

export function verdictOf(record: CheckRecord | null, now: Date, everyMinutes: number): Verdict {
  const detail = (record?.detail ?? {}) as { unavailable?: unknown; silent?: unknown; unused?: unknown };
  if (!record) return "unverified";
  if (detail.unused === true) return "unused";
  if (record.lastErrorAt && (!record.lastVerifiedAt || record.lastErrorAt > record.lastVerifiedAt)) return "failing";
  if (typeof detail.unavailable === "string" && !record.lastVerifiedAt) return "unavailable";
  if (detail.silent === false) return "human-path";
  if (!record.lastVerifiedAt) return typeof detail.unavailable === "string" ? "unavailable" : "unverified";
  return now.getTime() - Date.parse(record.lastVerifiedAt) <= freshnessMs(everyMinutes) ? "verified" : "stale";
}

/** The words shown with each verdict. */
export const verdictMeaning: Record<Verdict, string> = {
  verified: "a synthetic report (or the channel's silent check) got through recently",
  failing: "the last attempt failed: see last_error",
  stale: "it worked once, but not recently: is the cron running?",
  unverified: "never verified yet",
  unavailable: "not set up here, so not driven",
  "human-path": "no silent check exists for this channel: it relies on the weekly human-path check",
  unused: "no contact method of the on-call configuration uses this channel",
};
