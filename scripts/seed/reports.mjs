// Demo reports, so the staff API shows a thread from the first `npm start`: one report from
// the web form that on-call acknowledged and answered, and one from email still new. They
// have no outbox rows (they are history: nobody is paged for them) and no working private
// link (the link's secret exists only in the reporter's confirmation mail).
import { createHash, randomBytes } from "node:crypto";
import { sql } from "../lib/wrangler.mjs";

const MIN = 60_000;
const sha256 = (text) => createHash("sha256").update(text).digest("hex");

const reports = [
  {
    id: "rpt_demo_web",
    reference: "R-DEM0WEB1",
    channel: "web",
    state: "acknowledged",
    urgency: "critical",
    subject: "All sites on web12 answer 502",
    name: "Ada Customer",
    email: "ada@example.com",
    component: "cmp_web",
    minutesAgo: 95,
    thread: [
      ["reporter", "Ada Customer", 0, "Since 09:40 every site on web12 answers 502 Bad Gateway. Our shop is down."],
      ["system", null, 3, "Acknowledged: a person is working on it."],
      ["staff", "On-call engineer", 6, "Thank you, we see it too: a PHP pool on web12 crashed. We are restarting it now."],
      ["reporter", "Ada Customer", 20, "The shop is back. Thanks!"],
    ],
  },
  {
    id: "rpt_demo_email",
    reference: "R-DEM0MA11",
    channel: "email",
    state: "new",
    urgency: "high",
    subject: "No mail since this morning",
    name: "Bob Example",
    email: "bob@example.net",
    component: null,
    minutesAgo: 12,
    thread: [["reporter", "Bob Example", 0, "None of our mailboxes has received anything since 08:00. Sending works."]],
  },
];

export function reportsSeed(now = new Date()) {
  const statements = [];
  for (const r of reports) {
    const created = new Date(now.getTime() - r.minutesAgo * MIN);
    const at = (m) => new Date(created.getTime() + m * MIN).toISOString();
    statements.push(
      `INSERT INTO reports (id, reference, view_token_hash, channel, state, urgency, subject, reporter_name, reporter_email, component_id, reporter_key, text_hash, created_at, acknowledged_at, acknowledged_by)
       VALUES (${sql(r.id)}, ${sql(r.reference)}, ${sql(sha256(randomBytes(16).toString("hex")))}, ${sql(r.channel)}, ${sql(r.state)}, ${sql(r.urgency)}, ${sql(r.subject)},
         ${sql(r.name)}, ${sql(r.email)}, ${sql(r.component)}, ${sql(`email:${r.email}`)}, ${sql(sha256(`${r.subject}\n${r.thread[0][3]}`))}, ${sql(created.toISOString())},
         ${r.state === "acknowledged" ? sql(at(3)) : "NULL"}, ${r.state === "acknowledged" ? sql("On-call engineer") : "NULL"});`,
    );
    for (const [author, authorName, minutes, body] of r.thread) {
      statements.push(
        `INSERT INTO report_messages (report_id, author, author_name, body, created_at) VALUES (${sql(r.id)}, ${sql(author)}, ${sql(authorName)}, ${sql(body)}, ${sql(at(minutes))});`,
      );
    }
  }
  return statements;
}
