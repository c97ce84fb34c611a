// The path canary's part of GET /api/admin/assurance (and of the doctor's verdicts): each
// intake path and each on-call channel with when it was last verified, which check it got, its
// last error and a verdict (verdict.pure.ts). Read from the assurance checks the canary writes
// (`path:<channel>`, `channel:<type>`, `mail:round-trip`, `webhooks:<provider>`).
import { ReportChannel } from "../../contract/reports";
import { channelTypes, silentCheckFor } from "../channels/registry";
import { listChecks, type AssuranceCheck } from "./queries";
import { verdictMeaning, verdictOf, type Verdict } from "./verdict.pure";

export interface VerifiedItem {
  last_verified_at: string | null;
  check: string | null;
  last_error: string | null;
  last_error_at: string | null;
  verdict: Verdict;
  meaning: string;
}

export interface CanaryView {
  canary: { every_minutes: number; mail_round_trip: VerifiedItem; webhooks: Array<VerifiedItem & { provider: string }> };
  paths: Array<VerifiedItem & { path: string }>;
  channels: Array<VerifiedItem & { channel: string; silent_check: boolean }>;
}

function item(check: AssuranceCheck | undefined, now: Date, everyMinutes: number, fallbackCheck: string | null): VerifiedItem {
  const detail = (check?.detail ?? null) as { check?: unknown; unavailable?: unknown } | null;
  const verdict = verdictOf(check ? { lastVerifiedAt: check.lastVerifiedAt, lastErrorAt: check.lastErrorAt, detail: check.detail } : null, now, everyMinutes);
  // Real pages and test pages record the channel too (alerts/delivery.ts, oncall/routes.ts):
  // a delivered page is the strongest verification there is.
  const d = (check?.detail ?? {}) as { delivery?: unknown; via?: unknown };
  const described = typeof detail?.check === "string" ? detail.check : d.via === "test-page" ? "a test page was delivered" : typeof d.delivery === "string" ? "a page was delivered" : fallbackCheck;
  return {
    last_verified_at: check?.lastVerifiedAt ?? null,
    check: typeof detail?.unavailable === "string" ? `${described ?? "not driven"}: ${detail.unavailable}` : described,
    last_error: check?.lastError ?? null,
    last_error_at: check?.lastErrorAt ?? null,
    verdict,
    meaning: verdictMeaning[verdict],
  };
}

export async function canaryView(db: D1Database, env: Pick<Env, "ASSURANCE_CANARY_MINUTES">, now: Date, checks?: AssuranceCheck[]): Promise<CanaryView> {
  const minutes = Number(env.ASSURANCE_CANARY_MINUTES ?? "");
  const everyMinutes = Number.isFinite(minutes) && minutes >= 1 ? Math.floor(minutes) : 15;
  const byName = new Map((checks ?? (await listChecks(db))).map((c) => [c.name, c]));
  return {
    canary: {
      every_minutes: everyMinutes,
      mail_round_trip: item(byName.get("mail:round-trip"), now, everyMinutes, "send_email -> Email Routing -> email() handler"),
      // The providers that push to us, as the canary recorded them (canary/webhooks.ts: Twilio,
      // and each social network with a webhook); none before its first run.
      webhooks: [...byName.keys()]
        .filter((name) => name.startsWith("webhooks:"))
        .sort()
        .map((name) => ({ provider: name.slice("webhooks:".length), ...item(byName.get(name), now, everyMinutes, null) })),
    },
    paths: ReportChannel.options.map((path) => ({ path, ...item(byName.get(`path:${path}`), now, everyMinutes, null) })),
    channels: channelTypes.map((channel) => {
      const silent = silentCheckFor(channel) !== null;
      const record = byName.get(`channel:${channel}`);
      const view = silent || (record?.detail as { unused?: unknown } | null)?.unused === true
        ? item(record, now, everyMinutes, null)
        : { ...item(record, now, everyMinutes, null), verdict: "human-path" as const, meaning: verdictMeaning["human-path"], check: "none: relies on the weekly human-path check" };
      return { channel, silent_check: silent, ...view };
    }),
  };
}
