// Every tool we run stays offline: no telemetry, no update checks, no metrics.
export const QUIET = {
  WRANGLER_SEND_METRICS: "false",
  DO_NOT_TRACK: "1",
  WRANGLER_HIDE_BANNER: "true",
  WRANGLER_SEND_ERROR_REPORTS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  ASTRO_TELEMETRY_DISABLED: "1",
  NO_UPDATE_NOTIFIER: "1",
};

export function quietEnv(extra = {}) {
  return { ...process.env, ...QUIET, ...extra };
}
