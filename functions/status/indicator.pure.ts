// The page-wide indicator and its description: one pure function, as Statuspage computes it
// for status.json. The worst of (a) unresolved incidents' impact and (b) component statuses
// wins; maintenance shows only when nothing is actually broken.
import type { ComponentStatus, Impact, Indicator, MaintenanceStatus } from "../../contract/status";
import { maintenancePhase } from "./maintenance.pure";
import type { CurrentStatus } from "./model.pure";

export interface IndicatorInput {
  componentStatuses: readonly ComponentStatus[];
  /** Impact of every unresolved incident (not maintenance). */
  unresolvedIncidentImpacts: readonly Impact[];
  /** True while any scheduled maintenance is in progress or verifying. */
  maintenanceInProgress: boolean;
}

const rank: Record<Exclude<Indicator, "maintenance">, number> = { none: 0, minor: 1, major: 2, critical: 3 };

/** How a component's status weighs on the page: a full outage of one component is major,
 * a partial outage or degradation minor; maintenance is announced separately. */
const componentWeight: Record<ComponentStatus, Exclude<Indicator, "maintenance">> = {
  operational: "none",
  under_maintenance: "none",
  degraded_performance: "minor",
  partial_outage: "minor",
  major_outage: "major",
};

export function overallIndicator(input: IndicatorInput): { indicator: Indicator; description: string } {
  let worst: Exclude<Indicator, "maintenance"> = "none";
  for (const impact of input.unresolvedIncidentImpacts) {
    if (impact !== "maintenance" && rank[impact] > rank[worst]) worst = impact;
  }
  for (const status of input.componentStatuses) {
    const weight = componentWeight[status];
    if (rank[weight] > rank[worst]) worst = weight;
  }
  const majorOutages = input.componentStatuses.filter((s) => s === "major_outage").length;
  const allDown = input.componentStatuses.length > 0 && majorOutages === input.componentStatuses.length;
  if (allDown && rank[worst] < rank.critical) worst = "critical";

  if (worst === "none") {
    const underMaintenance = input.maintenanceInProgress || input.componentStatuses.includes("under_maintenance");
    return underMaintenance
      ? { indicator: "maintenance", description: "Service Under Maintenance" }
      : { indicator: "none", description: "All Systems Operational" };
  }
  return { indicator: worst, description: describe(worst, input.componentStatuses) };
}

function describe(indicator: "minor" | "major" | "critical", statuses: readonly ComponentStatus[]): string {
  if (indicator === "critical") return "Major System Outage";
  if (indicator === "major") return statuses.includes("major_outage") ? "Partial System Outage" : "Major Service Outage";
  if (statuses.includes("partial_outage")) return "Minor Service Outage";
  if (statuses.includes("degraded_performance")) return "Partially Degraded Service";
  return "Minor Service Outage";
}

/** The indicator of the page as stored: components, open incidents and maintenance. */
export function statusIndicator(status: Pick<CurrentStatus, "components" | "open">): { indicator: Indicator; description: string } {
  return overallIndicator({
    componentStatuses: status.components.map((c) => c.status),
    unresolvedIncidentImpacts: status.open.filter((i) => i.kind === "incident").map((i) => i.impact),
    maintenanceInProgress: status.open.some((i) => i.kind === "maintenance" && maintenancePhase(i.status as MaintenanceStatus) === "active"),
  });
}
