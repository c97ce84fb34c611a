// Scheduled maintenance runs itself: the cron moves it from scheduled to in progress at
// scheduled_for and to completed at scheduled_until. Staff may move it earlier by hand
// (e.g. to verifying or completed); the clock never moves it backwards.
import type { MaintenanceStatus } from "../../contract/status";

export interface MaintenanceWindow {
  status: MaintenanceStatus;
  scheduledFor: number;
  scheduledUntil: number;
}

/** The status the clock moves a maintenance to at `now`, or null when it stays as it is. */
export function nextMaintenanceStatus(m: MaintenanceWindow, now: number): MaintenanceStatus | null {
  if (m.status === "completed") return null;
  if (now >= m.scheduledUntil) return "completed";
  if (m.status === "scheduled" && now >= m.scheduledFor) return "in_progress";
  return null;
}

/** Where a maintenance stands for readers: shown as upcoming, active, or in the past. */
export function maintenancePhase(status: MaintenanceStatus): "upcoming" | "active" | "past" {
  if (status === "scheduled") return "upcoming";
  if (status === "in_progress" || status === "verifying") return "active";
  return "past";
}

/** The text of the update the clock posts when it moves a maintenance. */
export const automaticUpdateBody: Record<"in_progress" | "completed", string> = {
  in_progress: "Scheduled maintenance is currently in progress. We will provide updates as necessary.",
  completed: "The scheduled maintenance has been completed.",
};
