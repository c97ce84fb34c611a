// `npm run hub -- incident open|update|resolve ...`: incidents over the staff API, for when a
// browser is not an option.
import { clip, commonUsage, parse, print, withStaffApi } from "../lib/hub.mjs";

export const summary = "open, update or resolve an incident";
export const usage = `Usage:
  npm run hub -- incident open "<title>" [--impact minor|major|critical|none] [--status investigating|identified|monitoring]
                                        [--component <id>=<status> ...] [--body "<text>"]
  npm run hub -- incident update <id> --status <status> --body "<text>" [--component <id>=<status> ...] [--impact <impact>]
  npm run hub -- incident resolve <id> [--body "<text>"]

  Component statuses: operational, degraded_performance, partial_outage, major_outage, under_maintenance.
  Subscribers and the social accounts are told unless you add --no-subscribers or --no-social.

${commonUsage}`;

const options = {
  impact: { type: "string" },
  status: { type: "string" },
  body: { type: "string" },
  component: { type: "string", multiple: true },
  "no-subscribers": { type: "boolean", default: false },
  "no-social": { type: "boolean", default: false },
};

/** --component api=major_outage (repeatable) as the API's {id: status}. */
function components(list) {
  const out = {};
  for (const item of list ?? []) {
    const at = item.indexOf("=");
    if (at <= 0 || at === item.length - 1) throw new Error(`--component ${item}: write it as <component id>=<status>, e.g. --component cmp_api=major_outage`);
    out[item.slice(0, at)] = item.slice(at + 1);
  }
  return out;
}

function notify(values) {
  return { subscribers: !values["no-subscribers"], social: !values["no-social"] };
}

function describe(incident, base) {
  const latest = incident.incident_updates?.[0];
  return [
    `${incident.id}  ${incident.name}`,
    `  status ${incident.status}, impact ${incident.impact}${latest ? `; latest update ${latest.display_at}` : ""}`,
    ...(incident.components?.length ? [`  components: ${incident.components.map((c) => `${c.id} (${c.status})`).join(", ")}`] : []),
    `  ${base}${incident.kind === "maintenance" ? "/maintenance/" : "/incidents/"}${incident.id}`,
  ].join("\n");
}

export async function run(args) {
  const { values, positionals } = parse(args, options, usage);
  const [action, target] = positionals;
  if (action === "open") {
    if (!target) throw new Error(`incident open needs a title.\n\n${usage}`);
    const body = {
      name: target,
      status: values.status ?? "investigating",
      impact: values.impact ?? "minor",
      body: values.body ?? `We are investigating: ${target}.`,
      components: components(values.component),
      notify: notify(values),
    };
    return withStaffApi(values, async (call, base) => {
      const answer = await call("POST", "/api/admin/incidents", body);
      print(values, answer, `Opened ${describe(answer.incident, base)}`);
    });
  }
  if (action === "update") {
    if (!target) throw new Error(`incident update needs the incident's id.\n\n${usage}`);
    if (!values.status || !values.body) throw new Error(`incident update needs --status and --body.\n\n${usage}`);
    const body = { status: values.status, body: values.body, notify: notify(values) };
    if (values.component) body.components = components(values.component);
    if (values.impact) body.impact = values.impact;
    return withStaffApi(values, async (call, base) => {
      const answer = await call("POST", `/api/admin/incidents/${encodeURIComponent(target)}/updates`, body);
      print(values, answer, `Updated ${describe(answer.incident, base)}`);
    });
  }
  if (action === "resolve") {
    if (!target) throw new Error(`incident resolve needs the incident's id.\n\n${usage}`);
    return withStaffApi(values, async (call, base) => {
      const body = { status: "resolved", body: values.body ?? "This incident has been resolved.", notify: notify(values) };
      if (values.component) body.components = components(values.component);
      const answer = await call("POST", `/api/admin/incidents/${encodeURIComponent(target)}/updates`, body);
      print(values, answer, `Resolved ${describe(answer.incident, base)}\n  "${clip(body.body, 100)}"`);
    });
  }
  throw new Error(`${action ? `Unknown action "${action}".` : "Say what to do: open, update or resolve."}\n\n${usage}`);
}
