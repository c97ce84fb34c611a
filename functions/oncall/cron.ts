// The doctor on a clock: every quarter of an hour the cron runs the doctor's checks and records
// the verdict as the assurance check "oncall:doctor", so a gap in next week's rotation or a
// missing secret shows up in GET /api/admin/assurance before it matters, not after.
import { recordCheckFailure, recordCheckSuccess } from "../assurance/queries";
import type { Services } from "../platform/services";
import type { CronTask } from "../platform/tasks";
import { runDoctor } from "./doctor";
import { loadActiveConfig, type StoredConfig } from "./queries";
import { doctorInputFromEnv, providerSetupFindings } from "./doctor-input";

export const DOCTOR_EVERY_MINUTES = 15;

export async function recordDoctorVerdict(svc: Pick<Services, "db" | "channelSettings">, now: Date): Promise<void> {
  let stored: StoredConfig | null | { error: string };
  try {
    stored = await loadActiveConfig(svc.db);
  } catch (err) {
    stored = { error: err instanceof Error ? err.message : String(err) };
  }
  const report = runDoctor({ ...doctorInputFromEnv(svc.channelSettings, stored, now), providerSetup: await providerSetupFindings(svc.channelSettings) });
  const failing = report.checks.filter((c) => c.verdict === "fail");
  if (failing.length === 0) {
    await recordCheckSuccess(svc.db, "oncall:doctor", now, { verdict: report.verdict, configVersion: report.configVersion });
  } else {
    const summary = failing.map((c) => `${c.title}: ${c.details.join(" ")}`).join(" | ");
    console.error(`oncall doctor: ${summary}`);
    await recordCheckFailure(svc.db, "oncall:doctor", now, summary);
  }
}

export const oncallDoctorCronTask: CronTask = {
  name: "oncall-doctor",
  async run(svc, now) {
    if (now.getUTCMinutes() % DOCTOR_EVERY_MINUTES !== 0) return;
    await recordDoctorVerdict(svc, now);
  },
};
