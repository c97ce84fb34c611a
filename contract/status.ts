// Status vocabulary shared by the site and the Worker. The values are exactly those of
// Atlassian Statuspage's public API v2, so existing clients read us without changes.
import { z } from "zod";

export const componentStatuses = [
  "operational",
  "degraded_performance",
  "partial_outage",
  "major_outage",
  "under_maintenance",
] as const;
export const ComponentStatus = z.enum(componentStatuses);
export type ComponentStatus = z.infer<typeof ComponentStatus>;

export const incidentStatuses = ["investigating", "identified", "monitoring", "resolved", "postmortem"] as const;
export const IncidentStatus = z.enum(incidentStatuses);
export type IncidentStatus = z.infer<typeof IncidentStatus>;

export const maintenanceStatuses = ["scheduled", "in_progress", "verifying", "completed"] as const;
export const MaintenanceStatus = z.enum(maintenanceStatuses);
export type MaintenanceStatus = z.infer<typeof MaintenanceStatus>;

export const impacts = ["none", "minor", "major", "critical", "maintenance"] as const;
export const Impact = z.enum(impacts);
export type Impact = z.infer<typeof Impact>;

/** The page-wide indicator of status.json: the same words as `impact`. */
export const Indicator = z.enum(["none", "minor", "major", "critical", "maintenance"]);
export type Indicator = z.infer<typeof Indicator>;

export const componentStatusLabel: Record<ComponentStatus, string> = {
  operational: "Operational",
  degraded_performance: "Degraded performance",
  partial_outage: "Partial outage",
  major_outage: "Major outage",
  under_maintenance: "Under maintenance",
};
