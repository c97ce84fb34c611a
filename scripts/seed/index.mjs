// Loads demo data into an empty local database (never into one that has data).
// Each capability contributes its statements; add a line to `seeds` for a new one.
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { d1 } from "../lib/wrangler.mjs";
import { oncallSeed } from "./oncall.mjs";
import { reportsSeed } from "./reports.mjs";
import { staffSeed } from "./staff.mjs";
import { statusSeed } from "./status.mjs";

const seeds = [statusSeed, oncallSeed, reportsSeed, staffSeed];

export function seedIfEmpty(now = new Date()) {
  const [{ n }] = d1("SELECT COUNT(*) AS n FROM components");
  if (n > 0) return false;
  const statements = seeds.flatMap((seed) => seed(now));
  const file = join(mkdtempSync(join(tmpdir(), "oob-seed-")), "seed.sql");
  writeFileSync(file, statements.join("\n") + "\n");
  d1(file, { file: true });
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(seedIfEmpty() ? "demo data loaded" : "database already has data: nothing seeded");
}
