import type { CronTask } from "../cron/scheduled";
import { forgetVersion } from "./cache";
import { advanceMaintenances } from "./writes";

/** Every minute: start maintenance windows that have begun, complete those that have ended. */
export const maintenanceClock: CronTask = {
  name: "status-maintenance-clock",
  async run(env, now) {
    const moved = await advanceMaintenances(env.DB, now);
    if (moved.length > 0) forgetVersion(env.DB);
  },
};
