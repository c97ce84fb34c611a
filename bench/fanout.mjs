// Fan-out benchmark, under local `wrangler dev` (started by bench/run.mjs):
//  1. latency: a report filed through POST /api/reports -> the first provider request of its
//     page (a Slack-shaped webhook served by a loopback receiver started here), p50/p99, one
//     report at a time, each acknowledged when its page arrived (as a person would), so that
//     the next one raises and pages its own alert;
//  2. storm: 5,000 reports with 500 distinct subjects from 1,000 clients, filed concurrently ->
//     how many alerts, how many pages per escalation level, and how many digests per person
//     per digest window (the promise: each level's people paged once, at most one digest per
//     window, however wide the storm).
import { createServer } from "node:http";

export const name = "fanout";
/** The latency part files 40 alerts to one person within minutes: far above the hourly page
 * ceiling, which would (rightly) turn later pages into digests. The bench lifts it. */
export const vars = { PAGES_PER_PERSON_PER_HOUR: "100000" };

const LATENCY_REPORTS = Number(process.env.BENCH_FANOUT_REPORTS || 40);
const STORM_REPORTS = Number(process.env.BENCH_STORM_REPORTS || 5000);
const STORM_SUBJECTS = Number(process.env.BENCH_STORM_SUBJECTS || 500);
const STORM_CLIENTS = Number(process.env.BENCH_STORM_CLIENTS || 1000);
const STORM_CONCURRENCY = 25;
/** How long the storm's pages and digests are watched, from its first report. */
const STORM_WATCH_MS = Number(process.env.BENCH_STORM_WATCH_SECONDS || 420) * 1000;
const DIGEST_WINDOW_MS = 5 * 60_000;

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** A stand-in Slack: answers "ok" and remembers when each page arrived. */
async function startReceiver() {
  const arrivals = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      arrivals.push({ at: performance.now(), path: req.url, body });
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${server.address().port}`, arrivals, close: () => server.close() };
}

// Random words make subjects that never look alike, so each latency report is its own alert.
const syllables = ["ka", "lo", "mi", "ne", "pu", "ra", "si", "to", "vu", "ze", "qo", "bi"];
function word() {
  let w = "";
  for (let i = 0; i < 4; i++) w += syllables[Math.floor(Math.random() * syllables.length)];
  return w;
}

let ipCounter = 0;
function nextIp() {
  ipCounter++;
  return `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

async function fileReport(base, subject, message, i, ip = nextIp()) {
  const res = await fetch(`${base}/api/reports`, {
    method: "POST",
    headers: { "content-type": "application/json", "cf-connecting-ip": ip },
    body: JSON.stringify({ name: `Bench ${i}`, email: `bench${i}@customers.example`, subject, message }),
  });
  if (res.status !== 201) throw new Error(`report ${i}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

async function admin(base, token, path, init = {}) {
  const res = await fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...init.headers } });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

async function waitFor(predicate, timeoutMs, stepMs = 100) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const value = await predicate();
    if (value) return value;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return null;
}

export async function run({ base, token }) {
  const receiver = await startReceiver();
  try {
    // Two people, paged by a Slack-shaped webhook at the receiver. Level 1 waits one minute,
    // level 2 ten: within the watch, each level pages once and the policy does not run out.
    await admin(base, token, "/api/admin/oncall", {
      method: "PUT",
      body: JSON.stringify({
        version: 1,
        people: [
          { id: "bench-first", name: "Bench first", timezone: "UTC", contactMethods: [{ type: "slack", webhookUrl: `${receiver.url}/first` }] },
          { id: "bench-second", name: "Bench second", timezone: "UTC", contactMethods: [{ type: "slack", webhookUrl: `${receiver.url}/second` }] },
        ],
        policies: [{ id: "bench", levels: [{ timeoutMinutes: 1, targets: [{ person: "bench-first" }] }, { timeoutMinutes: 10, targets: [{ person: "bench-second" }] }], repeat: 0 }],
        routing: { defaultPolicy: "bench" },
      }),
    });

    // 1. Latency, one report at a time, each acknowledged once its page arrived.
    const latencies = [];
    for (let i = 0; i < LATENCY_REPORTS; i++) {
      const marker = `latency-${i}-${word()}`;
      const started = performance.now();
      const filed = await fileReport(base, `${word()} ${word()} ${word()}`, `${marker}: the bench measures how fast this page arrives.`, i);
      const arrival = await waitFor(() => receiver.arrivals.find((a) => a.body.includes(marker)), 30_000, 5);
      if (!arrival) {
        const report = await admin(base, token, `/api/admin/reports/${filed.reference}`);
        throw new Error(`no page arrived for ${marker} within 30 s: ${JSON.stringify(report).slice(0, 3000)}`);
      }
      latencies.push(arrival.at - started);
      await admin(base, token, `/api/admin/reports/${filed.reference}/ack`, { method: "POST" });
    }
    latencies.sort((a, b) => a - b);
    const latency = {
      reports: LATENCY_REPORTS,
      p50_ms: Math.round(percentile(latencies, 50)),
      p99_ms: Math.round(percentile(latencies, 99)),
      max_ms: Math.round(latencies.at(-1)),
    };
    console.log("report -> first provider request:", latency);

    // 2. The storm: an outage, and everyone writes about it in their own words.
    const stormMarker = `storm-${word()}`;
    const subjects = Array.from({ length: STORM_SUBJECTS }, () => `${word()} ${word()} ${word()} ${word()}`);
    const stormStart = performance.now();
    const arrivalsBefore = receiver.arrivals.length;
    let next = 0;
    let failed = 0;
    await Promise.all(
      Array.from({ length: STORM_CONCURRENCY }, async () => {
        while (next < STORM_REPORTS) {
          const i = next++;
          const ip = `10.200.${Math.floor((i % STORM_CLIENTS) / 256)}.${(i % STORM_CLIENTS) % 256}`;
          try {
            await fileReport(base, subjects[i % STORM_SUBJECTS], `${stormMarker} report ${i}: nothing loads, every site gives an error.`, 100_000 + i, ip);
          } catch (err) {
            failed++;
            if (failed <= 3) console.error(String(err));
          }
        }
      }),
    );
    const filedSeconds = (performance.now() - stormStart) / 1000;
    const accepted = STORM_REPORTS - failed;
    console.log(`storm: ${accepted} reports accepted in ${filedSeconds.toFixed(1)} s`);

    // Wait until every accepted report is linked to an alert.
    const stormAlerts = async () => (await admin(base, token, "/api/admin/alerts")).alerts.filter((a) => a.first_text.includes(stormMarker));
    let alerts = [];
    const linked = await waitFor(async () => {
      const list = await admin(base, token, `/api/admin/reports?limit=1&state=new`);
      const unlinked = list.reports.filter((r) => !r.alert_id).length;
      alerts = await stormAlerts();
      return unlinked === 0 && alerts.reduce((n, a) => n + a.report_count, 0) >= accepted ? alerts : null;
    }, 600_000, 2000);
    const groupedSeconds = (performance.now() - stormStart) / 1000;
    if (!linked) console.error("not every storm report was linked to an alert within 10 minutes");
    // Watch pages and digests for the rest of the watch period (level 2 pages after a minute;
    // the cron sends waiting digests once a window has passed).
    const remaining = STORM_WATCH_MS - (performance.now() - stormStart);
    if (remaining > 0) await new Promise((r) => setTimeout(r, remaining));
    const arrivals = receiver.arrivals.slice(arrivalsBefore);
    const of = (person, kind) => arrivals.filter((a) => a.path === `/${person}` && (kind === "digest" ? a.body.includes("DIGEST") : !a.body.includes("DIGEST")));
    const perWindow = (list) => {
      // The most digests any one window (sliding, DIGEST_WINDOW_MS) saw.
      const times = list.map((a) => a.at).sort((x, y) => x - y);
      let most = 0;
      for (let i = 0; i < times.length; i++) most = Math.max(most, times.filter((t) => t >= times[i] && t < times[i] + DIGEST_WINDOW_MS).length);
      return most;
    };
    alerts = await stormAlerts();
    const storm = {
      reports: STORM_REPORTS,
      distinct_subjects: STORM_SUBJECTS,
      clients: STORM_CLIENTS,
      accepted,
      filing_seconds: Number(filedSeconds.toFixed(1)),
      filing_per_second: Math.round(accepted / filedSeconds),
      all_grouped_after_seconds: Number(groupedSeconds.toFixed(1)),
      alerts: alerts.length,
      held_alerts: alerts.filter((a) => a.held_by).length,
      reports_in_alerts: alerts.reduce((n, a) => n + a.report_count, 0),
      watched_seconds: Math.round(STORM_WATCH_MS / 1000),
      level1_pages: of("first", "page").length,
      level2_pages: of("second", "page").length,
      level1_digests: of("first", "digest").length,
      level2_digests: of("second", "digest").length,
      most_digests_in_one_window: Math.max(perWindow(of("first", "digest")), perWindow(of("second", "digest"))),
    };
    console.log("storm:", storm);
    return { latency, storm };
  } finally {
    receiver.close();
  }
}
