// Is the mirror fresh? The doctor compares the mirror's summary.json with the live one (the
// same Statuspage v2 shape) and reads when the mirror last heard from the Worker. Addresses are
// not compared: the mirror's links point at the mirror.

/** A change younger than this may still be on its way to the mirror (the queue, an upload). */
export const PUBLISH_GRACE_MS = 5 * 60_000;
/** The Worker refreshes every target hourly; older than this, the refresh is not happening. */
export const STALE_SYNC_MS = 2 * 60 * 60_000;

export type Verdict = "pass" | "warn" | "fail";

interface Item {
  id?: unknown;
  name?: unknown;
  status?: unknown;
  updated_at?: unknown;
}

function list(summary: unknown, field: string): Item[] {
  const value = (summary as Record<string, unknown> | null)?.[field];
  return Array.isArray(value) ? (value as Item[]) : [];
}

function byId(items: Item[]): Map<string, Item> {
  return new Map(items.filter((i) => typeof i.id === "string").map((i) => [i.id as string, i]));
}

/** What differs between two summary.json bodies, one sentence each (empty when they agree). */
export function summaryDifferences(live: unknown, mirror: unknown): string[] {
  const out: string[] = [];
  const indicator = (s: unknown) => ((s as { status?: { indicator?: unknown } } | null)?.status?.indicator ?? null) as string | null;
  if (indicator(live) !== indicator(mirror)) out.push(`The overall status is "${indicator(live)}" live but "${indicator(mirror)}" on the mirror.`);
  for (const [field, what] of [
    ["components", "Component"],
    ["incidents", "Incident"],
    ["scheduled_maintenances", "Maintenance"],
  ] as const) {
    const a = byId(list(live, field));
    const b = byId(list(mirror, field));
    for (const [id, item] of a) {
      const other = b.get(id);
      if (!other) out.push(`${what} ${id} ("${String(item.name ?? "")}") is missing on the mirror.`);
      else if (other.status !== item.status) out.push(`${what} ${id} is "${String(item.status)}" live but "${String(other.status)}" on the mirror.`);
      else if (field !== "components" && other.updated_at !== item.updated_at) out.push(`${what} ${id} has an update the mirror does not have yet.`);
    }
    for (const id of b.keys()) if (!a.has(id)) out.push(`${what} ${id} is on the mirror but no longer live.`);
  }
  return out;
}

export interface FreshnessInput {
  differences: string[];
  /** When the live status last changed (summary.json page.updated_at). */
  liveUpdatedAt: string | null;
  /** When the Worker last published the mirror (its manifest), if known. */
  syncedAt: string | null;
  now: Date;
}

export function freshnessVerdict(input: FreshnessInput): { verdict: Verdict; details: string[] } {
  const details: string[] = [];
  let verdict: Verdict = "pass";
  const age = (iso: string | null) => (iso ? input.now.getTime() - Date.parse(iso) : Number.POSITIVE_INFINITY);
  if (input.differences.length > 0) {
    const recent = age(input.liveUpdatedAt) < PUBLISH_GRACE_MS;
    verdict = recent ? "warn" : "fail";
    details.push(
      recent
        ? "The mirror does not show the latest change yet (made less than 5 minutes ago; it may still be on its way):"
        : "The mirror's summary.json differs from the live one:",
      ...input.differences.slice(0, 5),
      ...(input.differences.length > 5 ? [`... and ${input.differences.length - 5} more.`] : []),
    );
  }
  if (input.syncedAt === null) {
    verdict = verdict === "fail" ? "fail" : "warn";
    details.push("The mirror has no manifest: it says nothing of when it was last synced.");
  } else if (age(input.syncedAt) > STALE_SYNC_MS) {
    verdict = verdict === "fail" ? "fail" : "warn";
    details.push(`The mirror was last synced at ${input.syncedAt}: the hourly refresh is not happening (see GET /api/admin/mirror).`);
  }
  return { verdict, details };
}
