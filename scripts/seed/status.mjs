// Demo status data of a hosting company: component groups, components, and one resolved
// incident in the past with its full update history and component status changes.
import { sql } from "../lib/wrangler.mjs";

const DAY = 86_400_000;

const groups = [
  { id: "grp_hosting", name: "Hosting", components: [["cmp_web", "Web hosting", "Shared and managed web hosting"], ["cmp_db", "Databases", "MySQL and PostgreSQL"], ["cmp_panel", "Control panel", "Customer control panel"]] },
  { id: "grp_email", name: "Email", components: [["cmp_mail_in", "Incoming mail", "IMAP, POP3 and inbound SMTP"], ["cmp_mail_out", "Outgoing mail", "Authenticated SMTP relay"], ["cmp_webmail", "Webmail", null]] },
  { id: "grp_network", name: "Network", components: [["cmp_dns", "DNS", "Authoritative name servers"], ["cmp_network", "Network", "Connectivity in our data centres"]] },
];

export function statusSeed(now) {
  const iso = (ms) => new Date(ms).toISOString();
  const start = now.getTime() - 120 * DAY;
  const out = [];
  let gpos = 0;
  let cpos = 0;
  for (const g of groups) {
    out.push(`INSERT INTO component_groups (id, name, description, position, created_at, updated_at) VALUES (${sql(g.id)}, ${sql(g.name)}, NULL, ${gpos++}, ${sql(iso(start))}, ${sql(iso(start))});`);
    for (const [id, name, description] of g.components) {
      out.push(
        `INSERT INTO components (id, group_id, name, description, status, position, showcase, only_show_if_degraded, start_date, created_at, updated_at) VALUES (${sql(id)}, ${sql(g.id)}, ${sql(name)}, ${sql(description)}, 'operational', ${cpos++}, 1, 0, ${sql(iso(start).slice(0, 10))}, ${sql(iso(start))}, ${sql(iso(start))});`,
        `INSERT INTO component_status_changes (component_id, from_status, to_status, changed_at, source_type) VALUES (${sql(id)}, NULL, 'operational', ${sql(iso(start))}, 'seed');`,
      );
    }
  }

  // A resolved incident twelve days ago: outgoing mail degraded for 2 h 40 min.
  const t0 = now.getTime() - 12 * DAY - 3 * 3_600_000;
  const incident = "inc_demo_mail_delay";
  const steps = [
    ["investigating", 0, "We are investigating delays in outgoing mail. Messages are queued, not lost.", "degraded_performance"],
    ["identified", 35, "A full disk on one relay node held the queue. We are moving the queue to a healthy node.", "degraded_performance"],
    ["monitoring", 110, "The queue is draining; new mail is delivered within a minute. We are watching closely.", "operational"],
    ["resolved", 160, "All queued mail has been delivered. We are adding disk alerts to every relay node.", "operational"],
  ];
  out.push(
    `INSERT INTO incidents (id, kind, name, status, impact, created_at, updated_at, started_at, monitoring_at, resolved_at) VALUES (${sql(incident)}, 'incident', 'Delays in outgoing mail', 'resolved', 'minor', ${sql(iso(t0))}, ${sql(iso(t0 + 160 * 60_000))}, ${sql(iso(t0))}, ${sql(iso(t0 + 110 * 60_000))}, ${sql(iso(t0 + 160 * 60_000))});`,
    `INSERT INTO incident_components (incident_id, component_id) VALUES (${sql(incident)}, 'cmp_mail_out');`,
  );
  let previous = "operational";
  steps.forEach(([status, minutes, body, componentStatus], i) => {
    const at = iso(t0 + minutes * 60_000);
    const updateId = `${incident}_u${i + 1}`;
    out.push(`INSERT INTO incident_updates (id, incident_id, status, body, created_at, display_at, updated_at) VALUES (${sql(updateId)}, ${sql(incident)}, ${sql(status)}, ${sql(body)}, ${sql(at)}, ${sql(at)}, ${sql(at)});`);
    out.push(`INSERT INTO incident_update_components (update_id, component_id, old_status, new_status) VALUES (${sql(updateId)}, 'cmp_mail_out', ${sql(previous)}, ${sql(componentStatus)});`);
    if (componentStatus !== previous) {
      out.push(`INSERT INTO component_status_changes (component_id, from_status, to_status, changed_at, source_type, source_id) VALUES ('cmp_mail_out', ${sql(previous)}, ${sql(componentStatus)}, ${sql(at)}, 'incident', ${sql(incident)});`);
    }
    previous = componentStatus;
  });
  return out;
}
