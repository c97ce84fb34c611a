// The watch's settings, read from the Worker's vars (wrangler.toml [vars]) with safe defaults.
// Kept here rather than in platform/config.ts so the assurance room changes one folder.
import { driftDefaults, type DriftSettings } from "./drift.pure";
import { humanCheckDefaults, type HumanCheckSettings } from "./human-check.pure";

export interface WatchSettings {
  drift: DriftSettings;
  humanCheck: HumanCheckSettings;
  /** Extra readers of the weekly summary, besides the console's admins. */
  summaryTo: string[];
}

type Vars = Partial<Record<string, unknown>>;

function positive(value: unknown, fallback: number): number {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : typeof value === "number" ? value : NaN;
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

const text = (value: unknown, fallback: string) => (typeof value === "string" && value.trim() !== "" ? value.trim() : fallback);

export function readWatchSettings(env: Env): WatchSettings {
  const v = env as unknown as Vars;
  return {
    drift: {
      ...driftDefaults,
      failuresInARow: Math.max(1, Math.floor(positive(v.DRIFT_FAILURES_IN_A_ROW, driftDefaults.failuresInARow))),
      cursorStallMinutes: positive(v.DRIFT_CURSOR_STALL_MINUTES, driftDefaults.cursorStallMinutes),
      silenceMinReports: positive(v.DRIFT_SILENCE_MIN_REPORTS, driftDefaults.silenceMinReports),
      silenceFactor: positive(v.DRIFT_SILENCE_FACTOR, driftDefaults.silenceFactor),
      silenceMinHours: positive(v.DRIFT_SILENCE_MIN_HOURS, driftDefaults.silenceMinHours),
    },
    humanCheck: {
      cron: text(v.HUMAN_CHECK_CRON, humanCheckDefaults.cron),
      timezone: text(v.HUMAN_CHECK_TIMEZONE, humanCheckDefaults.timezone),
      ackMinutes: positive(v.HUMAN_CHECK_ACK_MINUTES, humanCheckDefaults.ackMinutes),
    },
    summaryTo: (typeof v.ASSURANCE_SUMMARY_TO === "string" ? v.ASSURANCE_SUMMARY_TO.split(/[\s,]+/) : []).filter((a) => /^[^\s@]+@[^\s@]+$/.test(a)),
  };
}
