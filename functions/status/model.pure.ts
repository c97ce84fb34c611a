// The status page's domain: components in groups, incidents and maintenances with their
// updates, and the status changes history is derived from. Types only; storage maps its rows
// to these (queries.ts), and every pure module reads them.
import type { ComponentStatus, Impact, IncidentStatus, MaintenanceStatus } from "../../contract/status";

export interface ComponentGroup {
  id: string;
  name: string;
  description: string | null;
  position: number;
  createdAt: string;
  updatedAt: string;
}

export interface Component {
  id: string;
  groupId: string | null;
  name: string;
  description: string | null;
  status: ComponentStatus;
  position: number;
  showcase: boolean;
  onlyShowIfDegraded: boolean;
  startDate: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface AffectedComponent {
  componentId: string;
  name: string;
  oldStatus: ComponentStatus;
  newStatus: ComponentStatus;
}

export interface IncidentUpdate {
  id: string;
  incidentId: string;
  status: IncidentStatus | MaintenanceStatus;
  body: string;
  createdAt: string;
  displayAt: string;
  updatedAt: string;
  affected: AffectedComponent[];
}

export interface Incident {
  id: string;
  kind: "incident" | "maintenance";
  name: string;
  status: IncidentStatus | MaintenanceStatus;
  impact: Impact;
  postmortemSlug: string | null;
  scheduledFor: string | null;
  scheduledUntil: string | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string;
  monitoringAt: string | null;
  resolvedAt: string | null;
  /** Newest first, as Statuspage lists them. */
  updates: IncidentUpdate[];
  /** Components affected over the incident's life, in page order. */
  componentIds: string[];
}

export interface StatusChangeRow {
  componentId: string;
  toStatus: ComponentStatus;
  changedAt: string;
}

export interface CurrentStatus {
  groups: ComponentGroup[];
  components: Component[];
  /** Unresolved incidents and not yet completed maintenances, newest first. */
  open: Incident[];
  updatedAt: string | null;
  /** Status changes since `changesSince`, plus each component's last change before it. */
  changes: StatusChangeRow[];
}
