// `npm run doctor [-- --url https://status.example.com] [--token T] [--json]`
// Asks the Worker's GET /api/admin/doctor (it alone knows its secrets and bindings) and prints
// a verdict per check. Locally it uses the running `npm start` server, or starts a temporary
// Worker on the local state. Exits 1 when any check fails.
import { parseArgs } from "node:util";
import { staffApi, withWorker } from "./lib/worker.mjs";

const { values } = parseArgs({
  options: { url: { type: "string" }, token: { type: "string" }, json: { type: "boolean", default: false } },
});

const mark = { pass: "PASS", warn: "WARN", fail: "FAIL" };
try {
  const report = await withWorker(values, (api) => staffApi(api, "GET", "/api/admin/doctor"));
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else {
    for (const check of report.checks) {
      console.log(`${mark[check.verdict]}  ${check.title}`);
      for (const line of check.details) console.log(`      - ${line}`);
    }
    console.log(`\nVerdict: ${mark[report.verdict]} (on-call configuration version ${report.configVersion ?? "none"}, ${report.checkedAt})`);
  }
  process.exit(report.verdict === "fail" ? 1 : 0);
} catch (err) {
  console.error(`doctor: ${err.message}`);
  process.exit(1);
}
