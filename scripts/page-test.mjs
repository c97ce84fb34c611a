// `npm run page:test -- --person <id> [--url https://status.example.com] [--token T]`
// Sends a real test page through each of that person's contact methods (POST
// /api/admin/oncall/people/{id}/test-page) and prints each result. Exits 1 when any failed.
import { parseArgs } from "node:util";
import { staffApi, withWorker } from "./lib/worker.mjs";

const { values } = parseArgs({
  options: { person: { type: "string" }, url: { type: "string" }, token: { type: "string" } },
});
if (!values.person) {
  console.error("Usage: npm run page:test -- --person <id> [--url <base>] [--token <staff token>]");
  process.exit(2);
}

try {
  const result = await withWorker(values, (api) => staffApi(api, "POST", `/api/admin/oncall/people/${encodeURIComponent(values.person)}/test-page`, {}));
  for (const r of result.results) {
    console.log(`${r.ok ? "SENT  " : "FAILED"}  #${r.index + 1} ${r.type}  ${r.ok ? (r.provider_id ?? "") : r.error}  (${r.ms} ms)`);
  }
  console.log(result.ok ? `Every method of ${result.person} accepted the test page.` : `Some methods of ${result.person} failed: fix them before they are needed.`);
  process.exit(result.ok ? 0 : 1);
} catch (err) {
  console.error(`page:test: ${err.message}`);
  process.exit(1);
}
