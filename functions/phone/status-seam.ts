// The one door from the hotline to the status capability: the current state, reduced to what
// the spoken sentence needs. Status's own query and indicator rule are used as they are; if
// status moves its files, only this file changes.
import type { MaintenanceStatus } from "../../contract/status";
import { overallIndicator } from "../status/indicator.pure";
import { maintenancePhase } from "../status/maintenance.pure";
import { loadCurrentStatus } from "../status/queries";
import type { StatusSnapshot } from "./status-sentence.pure";

/** The status page as it is now; null when storage cannot be read (the caller still gets through). */
export async function currentStatusSnapshot(db: D1Database): Promise<StatusSnapshot | null> {
  try {
    const status = await loadCurrentStatus(db);
    const incidents = status.open.filter((i) => i.kind === "incident");
    const maintenance = status.open.filter((i) => i.kind === "maintenance" && maintenancePhase(i.status as MaintenanceStatus) === "active");
    const { indicator } = overallIndicator({
      componentStatuses: status.components.map((c) => c.status),
      unresolvedIncidentImpacts: incidents.map((i) => i.impact),
      maintenanceInProgress: maintenance.length > 0,
    });
    return {
      indicator,
      components: status.components.map((c) => ({ name: c.name, status: c.status })),
      incidents: incidents.map((i) => ({ name: i.name, impact: i.impact })),
      maintenance: maintenance.map((m) => ({ name: m.name })),
    };
  } catch (err) {
    console.error("phone: the status page could not be read for the greeting", err);
    return null;
  }
}
