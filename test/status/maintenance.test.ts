import { describe, expect, it } from "vitest";
import type { MaintenanceStatus } from "../../contract/status";
import { maintenancePhase, nextMaintenanceStatus } from "../../functions/status/maintenance.pure";

describe("nextMaintenanceStatus: the clock moves a maintenance", () => {
  const from = 1_000;
  const until = 2_000;
  const cases: Array<[string, MaintenanceStatus, number, MaintenanceStatus | null]> = [
    ["before the window: stays scheduled", "scheduled", 999, null],
    ["at the start: in progress", "scheduled", 1_000, "in_progress"],
    ["during the window: in progress", "scheduled", 1_500, "in_progress"],
    ["already in progress: stays", "in_progress", 1_500, null],
    ["staff set verifying during the window: stays", "verifying", 1_500, null],
    ["at the end: completed", "in_progress", 2_000, "completed"],
    ["verifying at the end: completed", "verifying", 2_500, "completed"],
    ["never started and already over: completed", "scheduled", 3_000, "completed"],
    ["completed stays completed", "completed", 3_000, null],
    ["completed early by staff: the clock does not reopen it", "completed", 1_500, null],
  ];
  it.each(cases)("%s", (_name, status, now, expected) => {
    expect(nextMaintenanceStatus({ status, scheduledFor: from, scheduledUntil: until }, now)).toBe(expected);
  });
});

describe("maintenancePhase", () => {
  it.each([
    ["scheduled", "upcoming"],
    ["in_progress", "active"],
    ["verifying", "active"],
    ["completed", "past"],
  ] as const)("%s is %s", (status, phase) => expect(maintenancePhase(status)).toBe(phase));
});
