// The doctor's look at the mirror (a check in GET /api/admin/doctor and `npm run doctor`): is a
// target configured with its credentials, does the mirror answer at its public address, and
// does its summary.json say what the live one says?
import { freshnessVerdict, summaryDifferences, type Verdict } from "./freshness.pure";
import { MANIFEST_KEY } from "./paths.pure";
import { parseManifest } from "./manifest.pure";
import { workerMirrorSettings } from "./publisher";
import { settingsProblems, targetsOf, type MirrorSettings } from "./settings";
import { renderMirrorPath } from "./snapshot";

/** The shape of a doctor check (functions/oncall/doctor.ts), kept here so the mirror does not
 * depend on the on-call capability that shows it. */
export interface MirrorDoctorCheck {
  id: string;
  title: string;
  verdict: Verdict;
  details: string[];
}

const TIMEOUT_MS = 5_000;

async function fetchText(url: string): Promise<{ ok: true; text: string } | { ok: false; error: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS), headers: { accept: "application/json" } });
    const text = await res.text();
    return res.ok ? { ok: true, text } : { ok: false, error: `${res.status}` };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

export async function mirrorDoctorCheck(env: Env, now: Date, settings: MirrorSettings = workerMirrorSettings(env)): Promise<MirrorDoctorCheck> {
  const check = (verdict: Verdict, details: string[]): MirrorDoctorCheck => ({
    id: "mirror",
    title: "The static mirror on a second provider is published and as fresh as the live site",
    verdict,
    details,
  });
  const production = env.ENVIRONMENT === "production";
  if (targetsOf(settings).length === 0) {
    return check(production ? "fail" : "warn", [
      "No mirror target is configured (MIRROR_S3_URL or MIRROR_GITHUB_REPO): when Cloudflare itself is down, customers find neither the status nor the contacts. See README \"The mirror\".",
    ]);
  }
  const problems = settingsProblems(settings);
  if (!settings.mirrorUrl) problems.push("The mirror has no public address: set MIRROR_URL (or site.config.ts mirrorUrl).");
  if (problems.length > 0) return check("fail", problems);

  const mirrorSummary = await fetchText(`${settings.mirrorUrl}/api/v2/summary.json`);
  if (!mirrorSummary.ok) return check("fail", [`The mirror at ${settings.mirrorUrl} does not answer /api/v2/summary.json (${mirrorSummary.error}).`]);
  let mirror: unknown;
  try {
    mirror = JSON.parse(mirrorSummary.text);
  } catch {
    return check("fail", [`The mirror's /api/v2/summary.json at ${settings.mirrorUrl} is not JSON.`]);
  }
  const manifestText = await fetchText(`${settings.mirrorUrl}/${MANIFEST_KEY}`);
  const manifest = parseManifest(manifestText.ok ? manifestText.text : null);

  let live: unknown;
  try {
    live = await (await renderMirrorPath(env, "/api/v2/summary.json", settings)).json();
  } catch (err) {
    return check("warn", [`The live summary could not be read to compare (${err instanceof Error ? err.message : String(err)}).`]);
  }
  const liveUpdatedAt = ((live as { page?: { updated_at?: unknown } }).page?.updated_at ?? null) as string | null;
  const { verdict, details } = freshnessVerdict({ differences: summaryDifferences(live, mirror), liveUpdatedAt, syncedAt: manifest?.syncedAt ?? null, now });
  return check(verdict, details);
}
