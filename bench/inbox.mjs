// Inbox search, printed as figures (never asserted): the staff search (reference, subject,
// reporter name, email, phone, X handle) is a LIKE scan over `reports` in D1, newest first,
// 50 a page. This loads N reports into the running local D1 in steps and times searches that
// match many reports, one report and none (the worst case: every row is read) through
// GET /api/admin/reports?q=, the path the console's inbox uses. See docs/architecture.md
// ("Console") for why LIKE and not FTS5.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { wrangler, sql } from "../scripts/lib/wrangler.mjs";

export const name = "inbox";

const STEPS = (process.env.BENCH_INBOX_STEPS || "1000,10000,50000").split(",").map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 15);
const WORDS = "mail web dns php 502 down slow bounce login shop database disk full timeout error certificate expired".split(" ");

function insertReports(stateDir, from, to) {
  const rows = [];
  for (let i = from; i < to; i++) {
    const subject = `${Array.from({ length: 5 }, (_, k) => WORDS[(i * 7 + k * 13) % WORDS.length]).join(" ")} ${i}`;
    const at = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
    rows.push(
      `(${sql(`rpt_bench_${i}`)}, ${sql(`R-B${String(i).padStart(7, "0")}`)}, 'x', 'web', 'new', 'high', ${sql(subject)}, ${sql(`Customer ${i}`)}, ${sql(`customer${i}@example${i % 97}.com`)}, ${sql(`+31 20 ${i}`)}, ${sql(`t${i}`)}, ${sql(at)})`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "oob-bench-inbox-"));
  const statements = [];
  // D1 refuses statements over 100 KB: 200 rows each stay well under.
  for (let i = 0; i < rows.length; i += 200) {
    statements.push(
      `INSERT INTO reports (id, reference, view_token_hash, channel, state, urgency, subject, reporter_name, reporter_email, reporter_phone, text_hash, created_at) VALUES ${rows.slice(i, i + 200).join(",\n")};`,
    );
  }
  const file = join(dir, "reports.sql");
  writeFileSync(file, statements.join("\n"));
  // allowFailure: throw rather than exit, so run.mjs still stops the server.
  const loaded = wrangler(["d1", "execute", "DB", "--local", "--persist-to", stateDir, "--yes", `--file=${file}`], { allowFailure: true });
  if (!loaded.ok) throw new Error(`loading reports failed: ${loaded.stderr.slice(-500)}`);
}

async function timeSearch(base, token, q) {
  const times = [];
  let count = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const started = performance.now();
    const res = await fetch(`${base}/api/admin/reports?limit=50&q=${encodeURIComponent(q)}`, { headers: { authorization: `Bearer ${token}` } });
    const body = await res.json();
    times.push(performance.now() - started);
    count = body.reports.length;
  }
  times.sort((a, b) => a - b);
  return { rows: count, p50_ms: Math.round(times[Math.floor(times.length / 2)]), p90_ms: Math.round(times[Math.floor(times.length * 0.9)]) };
}

export async function run({ base, token, stateDir }) {
  const figures = {};
  let loaded = 0;
  for (const total of STEPS) {
    insertReports(stateDir, loaded, total);
    loaded = total;
    const searches = {
      many: await timeSearch(base, token, "mail"),
      one: await timeSearch(base, token, `customer${Math.floor(total / 2)}@`),
      none: await timeSearch(base, token, "zzzz-nothing"),
      list_without_search: await timeSearch(base, token, ""),
    };
    console.log(`${total} reports:`, JSON.stringify(searches));
    figures[`${total}_reports`] = searches;
  }
  return figures;
}
