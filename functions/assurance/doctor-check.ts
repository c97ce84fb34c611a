// The path canary's verdicts in `npm run doctor` (GET /api/admin/doctor): a path or channel whose
// last attempt failed fails the doctor; one that is stale or never verified warns (the canary
// may not have run yet, or the cron stopped); a channel without a silent check is named, since
// only the weekly human-path check covers it.
import { canaryView } from "./paths-view";

/** The doctor's check shape (functions/oncall/doctor.ts), declared here: oncall imports assurance. */
export interface AssuranceDoctorCheck {
  id: string;
  title: string;
  verdict: "pass" | "warn" | "fail";
  details: string[];
}

export async function assuranceDoctorCheck(db: D1Database, env: Pick<Env, "ASSURANCE_CANARY_MINUTES">, now: Date): Promise<AssuranceDoctorCheck> {
  const view = await canaryView(db, env, now);
  const details: string[] = [];
  let verdict: AssuranceDoctorCheck["verdict"] = "pass";
  const raise = (v: "warn" | "fail") => void (verdict = verdict === "fail" || v === "fail" ? "fail" : "warn");
  const items = [
    ...view.paths.map((p) => ({ name: `intake path ${p.path}`, ...p })),
    ...view.channels.map((c) => ({ name: `channel ${c.channel}`, ...c })),
    { name: "mail round trip", ...view.canary.mail_round_trip },
    ...view.canary.webhooks.map((w) => ({ name: `${w.provider}'s webhooks`, ...w })),
  ];
  for (const it of items) {
    if (it.verdict === "failing") {
      raise("fail");
      details.push(`${it.name}: FAILING since ${it.last_error_at}: ${it.last_error}`);
    } else if (it.verdict === "stale" || it.verdict === "unverified") {
      raise("warn");
      details.push(`${it.name}: ${it.verdict}${it.last_verified_at ? ` (last verified ${it.last_verified_at})` : ""}: ${it.meaning}.`);
    } else if (it.verdict === "human-path") {
      details.push(`${it.name}: no silent check; relies on the weekly human-path check.`);
    } else if (it.verdict === "unavailable") {
      details.push(`${it.name}: not driven (${it.check}).`);
    }
  }
  return { id: "assurance", title: `Every intake path and on-call channel verified by the path canary (every ${view.canary.every_minutes} minutes)`, verdict, details };
}
