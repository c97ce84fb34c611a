import type { CronTask } from "../platform/tasks";
import { forgetVersion } from "./cache";
import { advanceMaintenances } from "./writes";

export { statusEventsCronTask } from "./events";

/** Every minute: start maintenance windows that have begun, complete those that have ended. */
export const maintenanceClock: CronTask = {
  name: "status-maintenance-clock",
  async run(svc, now) {
    const moved = await advanceMaintenances(svc, now);
    if (moved.length > 0) forgetVersion(svc.db);
  },
};
