// Demo on-call configuration (scripts/seed/oncall.demo.json): a weekly rotation of two demo
// people paged by email and ntfy, then a team lead by email, for every report. Stored as
// version 1, exactly as `npm run oncall -- push` would store it.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { sql } from "../lib/wrangler.mjs";

const DAY = 86_400_000;

/** The Monday at least a week before `now`, so the rotation has already handed over once. */
function recentMonday(now) {
  const d = new Date(now.getTime() - 7 * DAY);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
}

export function oncallSeed(now) {
  const config = JSON.parse(readFileSync(new URL("./oncall.demo.json", import.meta.url), "utf8"));
  for (const rotation of config.rotations) rotation.start = recentMonday(now);
  // The document as the Worker stores it: defaults filled in (overrides, rule lists).
  for (const rotation of config.rotations) rotation.overrides ??= [];
  const document = JSON.stringify(config);
  const sha256 = createHash("sha256").update(document).digest("hex");
  return [
    `INSERT INTO oncall_configs (document, sha256, created_at, created_by) VALUES (${sql(document)}, ${sql(sha256)}, ${sql(now.toISOString())}, 'seed');`,
  ];
}
