// `npm run hub -- ack <reference>`: acknowledge a report (and its alert: escalation stops).
import { commonUsage, parse, print, withStaffApi } from "../lib/hub.mjs";

export const summary = "acknowledge a report (escalation stops)";
export const usage = `Usage:
  npm run hub -- ack <reference>

${commonUsage}`;

export async function run(args) {
  const { values, positionals } = parse(args, {}, usage);
  const [reference] = positionals;
  if (!reference || positionals.length > 1) throw new Error(`ack needs one report reference, like R-7K3M9Q2X.\n\n${usage}`);
  return withStaffApi(values, async (call) => {
    const answer = await call("POST", `/api/admin/reports/${encodeURIComponent(reference)}/ack`);
    print(values, answer, `${answer.reference} is ${answer.state} (acknowledged at ${answer.acknowledged_at}).`);
  });
}
