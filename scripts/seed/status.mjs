// Demo status data of a hosting company: component groups, components, and 90 days of history
// that the uptime bars are derived from: resolved incidents with their full update history
// and component status changes, a completed maintenance, and an upcoming one.
import { sql } from "../lib/wrangler.mjs";

const DAY = 86_400_000;
const MIN = 60_000;

const groups = [
  { id: "grp_hosting", name: "Hosting", components: [["cmp_web", "Web hosting", "Shared and managed web hosting"], ["cmp_db", "Databases", "MySQL and PostgreSQL"], ["cmp_panel", "Control panel", "Customer control panel"]] },
  { id: "grp_email", name: "Email", components: [["cmp_mail_in", "Incoming mail", "IMAP, POP3 and inbound SMTP"], ["cmp_mail_out", "Outgoing mail", "Authenticated SMTP relay"], ["cmp_webmail", "Webmail", null]] },
  { id: "grp_network", name: "Network", components: [["cmp_dns", "DNS", "Authoritative name servers"], ["cmp_network", "Network", "Connectivity in our data centres"]] },
];

/** Past incidents: [id, name, impact, days ago, component, postmortem slug, steps[[status, minutes, body, component status]]]. */
const incidents = [
  ["inc_demo_mail_delay", "Delays in outgoing mail", "minor", 12, "cmp_mail_out", "outgoing-mail-delays", [
    ["investigating", 0, "We are investigating delays in outgoing mail. Messages are queued, not lost.", "degraded_performance"],
    ["identified", 35, "A full disk on one relay node held the queue. We are moving the queue to a healthy node.", "degraded_performance"],
    ["monitoring", 110, "The queue is draining; new mail is delivered within a minute. We are watching closely.", "operational"],
    ["resolved", 160, "All queued mail has been delivered. We are adding disk alerts to every relay node.", "operational"],
  ]],
  ["inc_demo_panel_slow", "Slow control panel", "minor", 5, "cmp_panel", null, [
    ["investigating", 0, "The control panel is responding slowly. Websites and mail are not affected.", "degraded_performance"],
    ["monitoring", 95, "A slow database query has been fixed. Response times are back to normal.", "operational"],
    ["resolved", 180, "The control panel has been fast for over an hour. This incident is resolved.", "operational"],
  ]],
  ["inc_demo_dns", "DNS resolution failures for some domains", "major", 41, "cmp_dns", null, [
    ["investigating", 0, "Some domains do not resolve. We are investigating with priority.", "partial_outage"],
    ["identified", 20, "One name server cluster serves stale zones after a failed update. We are rolling it back.", "partial_outage"],
    ["resolved", 50, "All name servers serve current zones again. Resolution works for every domain.", "operational"],
  ]],
  ["inc_demo_web_down", "Websites unreachable in one data centre", "critical", 63, "cmp_web", null, [
    ["investigating", 0, "Websites hosted in our Amsterdam data centre are unreachable.", "major_outage"],
    ["identified", 12, "A core switch failed. Traffic is moving to the standby switch.", "major_outage"],
    ["monitoring", 25, "Traffic flows through the standby switch. Websites are reachable again.", "operational"],
    ["resolved", 70, "The failed switch has been replaced. This incident is resolved.", "operational"],
  ]],
  // Older than the 90-day bars: on the second page of the history.
  ["inc_demo_login", "Control panel logins failing", "major", 100, "cmp_panel", null, [
    ["investigating", 0, "Customers cannot log in to the control panel. Websites and mail are not affected.", "partial_outage"],
    ["resolved", 45, "An expired certificate on the login service has been renewed. Logins work again.", "operational"],
  ]],
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

  const change = (component, from, to, at, type, source) =>
    `INSERT INTO component_status_changes (component_id, from_status, to_status, changed_at, source_type, source_id) VALUES (${sql(component)}, ${sql(from)}, ${sql(to)}, ${sql(iso(at))}, ${sql(type)}, ${sql(source)});`;
  const update = (id, incident, status, body, at) =>
    `INSERT INTO incident_updates (id, incident_id, status, body, created_at, display_at, updated_at) VALUES (${sql(id)}, ${sql(incident)}, ${sql(status)}, ${sql(body)}, ${sql(iso(at))}, ${sql(iso(at))}, ${sql(iso(at))});`;
  const touched = (updateId, component, from, to) =>
    `INSERT INTO incident_update_components (update_id, component_id, old_status, new_status) VALUES (${sql(updateId)}, ${sql(component)}, ${sql(from)}, ${sql(to)});`;

  for (const [id, name, impact, daysAgo, component, postmortem, steps] of incidents) {
    const t0 = now.getTime() - daysAgo * DAY - 3 * 3_600_000;
    const last = steps[steps.length - 1][1];
    const monitoring = steps.find((s) => s[0] === "monitoring");
    out.push(
      `INSERT INTO incidents (id, kind, name, status, impact, postmortem_slug, created_at, updated_at, started_at, monitoring_at, resolved_at) VALUES (${sql(id)}, 'incident', ${sql(name)}, 'resolved', ${sql(impact)}, ${sql(postmortem)}, ${sql(iso(t0))}, ${sql(iso(t0 + last * MIN))}, ${sql(iso(t0))}, ${sql(monitoring ? iso(t0 + monitoring[1] * MIN) : null)}, ${sql(iso(t0 + last * MIN))});`,
      `INSERT INTO incident_components (incident_id, component_id) VALUES (${sql(id)}, ${sql(component)});`,
    );
    let previous = "operational";
    steps.forEach(([status, minutes, body, componentStatus], i) => {
      const at = t0 + minutes * MIN;
      const updateId = `${id}_u${i + 1}`;
      out.push(update(updateId, id, status, body, at), touched(updateId, component, previous, componentStatus));
      if (componentStatus !== previous) out.push(change(component, previous, componentStatus, at, "incident", id));
      previous = componentStatus;
    });
  }

  // A completed maintenance 20 days ago (databases under maintenance for 90 minutes), and an
  // upcoming one in three days.
  const m1 = "mnt_demo_db_upgrade";
  const m1start = now.getTime() - 20 * DAY - 2 * 3_600_000;
  const m1end = m1start + 90 * MIN;
  out.push(
    `INSERT INTO incidents (id, kind, name, status, impact, scheduled_for, scheduled_until, created_at, updated_at, started_at, resolved_at) VALUES (${sql(m1)}, 'maintenance', 'Database server upgrades', 'completed', 'maintenance', ${sql(iso(m1start))}, ${sql(iso(m1end))}, ${sql(iso(m1start - 7 * DAY))}, ${sql(iso(m1end))}, ${sql(iso(m1start))}, ${sql(iso(m1end))});`,
    `INSERT INTO incident_components (incident_id, component_id) VALUES (${sql(m1)}, 'cmp_db');`,
    update(`${m1}_u1`, m1, "scheduled", "We will upgrade our database servers to new hardware. Each database may be unavailable for up to a minute during its switch-over.", m1start - 7 * DAY),
    update(`${m1}_u2`, m1, "in_progress", "Scheduled maintenance is currently in progress. We will provide updates as necessary.", m1start),
    touched(`${m1}_u2`, "cmp_db", "operational", "under_maintenance"),
    change("cmp_db", "operational", "under_maintenance", m1start, "maintenance", m1),
    update(`${m1}_u3`, m1, "completed", "The scheduled maintenance has been completed.", m1end),
    touched(`${m1}_u3`, "cmp_db", "under_maintenance", "operational"),
    change("cmp_db", "under_maintenance", "operational", m1end, "maintenance", m1),
  );
  const m2 = "mnt_demo_network";
  const m2start = Math.ceil((now.getTime() + 3 * DAY) / 3_600_000) * 3_600_000;
  out.push(
    `INSERT INTO incidents (id, kind, name, status, impact, scheduled_for, scheduled_until, created_at, updated_at, started_at) VALUES (${sql(m2)}, 'maintenance', 'Core router software update', 'scheduled', 'maintenance', ${sql(iso(m2start))}, ${sql(iso(m2start + 60 * MIN))}, ${sql(iso(now.getTime() - DAY))}, ${sql(iso(now.getTime() - DAY))}, ${sql(iso(m2start))});`,
    `INSERT INTO incident_components (incident_id, component_id) VALUES (${sql(m2)}, 'cmp_network');`,
    update(`${m2}_u1`, m2, "scheduled", "We will update the software of our core routers. Traffic fails over between routers; expect a few seconds of packet loss.", now.getTime() - DAY),
  );
  return out;
}
