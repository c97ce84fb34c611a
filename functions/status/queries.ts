import type { ComponentStatus, Impact } from "../../contract/status";

export interface StatusSnapshot {
  componentStatuses: ComponentStatus[];
  unresolvedIncidentImpacts: Impact[];
  maintenanceInProgress: boolean;
  updatedAt: string | null;
}

/** Everything the overall indicator needs, in one round trip (a D1 batch). */
export async function loadStatusSnapshot(db: D1Database): Promise<StatusSnapshot> {
  const [components, incidents, maintenance, updated] = await db.batch([
    db.prepare("SELECT status FROM components"),
    db.prepare("SELECT impact FROM incidents WHERE kind = 'incident' AND status NOT IN ('resolved','postmortem')"),
    db.prepare("SELECT COUNT(*) AS n FROM incidents WHERE kind = 'maintenance' AND status IN ('in_progress','verifying')"),
    db.prepare("SELECT MAX(t) AS t FROM (SELECT MAX(updated_at) AS t FROM components UNION ALL SELECT MAX(updated_at) FROM incidents)"),
  ]);
  return {
    componentStatuses: (components!.results as { status: ComponentStatus }[]).map((r) => r.status),
    unresolvedIncidentImpacts: (incidents!.results as { impact: Impact }[]).map((r) => r.impact),
    maintenanceInProgress: ((maintenance!.results[0] as { n: number } | undefined)?.n ?? 0) > 0,
    updatedAt: (updated!.results[0] as { t: string | null } | undefined)?.t ?? null,
  };
}
