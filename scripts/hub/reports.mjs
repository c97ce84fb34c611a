// `npm run hub -- reports [--state new] [--channel web] ...`: the urgent reports inbox, newest first.
import { clip, commonUsage, parse, print, table, withStaffApi } from "../lib/hub.mjs";

export const summary = "list urgent reports (filters: --state, --channel, --incident)";
export const usage = `Usage:
  npm run hub -- reports [--state new|acknowledged|resolved] [--channel web|api|email|phone|sms|x|mastodon|bluesky]
                         [--incident <incident id>] [--limit 20]

${commonUsage}`;

const options = {
  state: { type: "string" },
  channel: { type: "string" },
  incident: { type: "string" },
  limit: { type: "string", default: "20" },
};

export async function run(args) {
  const { values, positionals } = parse(args, options, usage);
  if (positionals.length > 0) throw new Error(`reports takes no words, only options (got "${positionals[0]}").\n\n${usage}`);
  const query = new URLSearchParams();
  for (const key of ["state", "channel", "incident", "limit"]) if (values[key]) query.set(key, values[key]);
  return withStaffApi(values, async (call) => {
    const answer = await call("GET", `/api/admin/reports?${query}`);
    const rows = answer.reports.map((r) => [r.reference, r.state, r.channel, r.created_at.slice(0, 16).replace("T", " "), clip(r.subject, 60)]);
    print(values, answer, rows.length === 0 ? "No reports." : table([["REFERENCE", "STATE", "CHANNEL", "RECEIVED (UTC)", "SUBJECT"], ...rows]));
  });
}
