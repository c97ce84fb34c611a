// Fan-out benchmark, under local `wrangler dev` (started by bench/run.mjs):
//  1. latency: a report filed through POST /api/reports -> the first provider request of its
//     page (a Slack-shaped webhook served by a loopback receiver started here), p50/p99, one
//     report at a time so that each raises its own alert;
//  2. storm: 5,000 reports about one problem, filed concurrently -> how many alerts and how
//     many pages (expected: one alert, one page per escalation level).
import { createServer } from "node:http";

export const name = "fanout";

const LATENCY_REPORTS = Number(process.env.BENCH_FANOUT_REPORTS || 40);
const STORM_REPORTS = Number(process.env.BENCH_STORM_REPORTS || 5000);
const STORM_CONCURRENCY = 25;

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

async function fileReport(base, subject, message, i) {
  const res = await fetch(`${base}/api/reports`, {
    method: "POST",
    headers: { "content-type": "application/json", "cf-connecting-ip": nextIp() },
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
    // One person, paged by a Slack-shaped webhook at the receiver; two levels of one minute.
    await admin(base, token, "/api/admin/oncall", {
      method: "PUT",
      body: JSON.stringify({
        version: 1,
        people: [
          { id: "bench-first", name: "Bench first", timezone: "UTC", contactMethods: [{ type: "slack", webhookUrl: `${receiver.url}/first` }] },
          { id: "bench-second", name: "Bench second", timezone: "UTC", contactMethods: [{ type: "slack", webhookUrl: `${receiver.url}/second` }] },
        ],
        policies: [{ id: "bench", levels: [{ timeoutMinutes: 1, targets: [{ person: "bench-first" }] }, { timeoutMinutes: 1, targets: [{ person: "bench-second" }] }], repeat: 0 }],
        routing: { defaultPolicy: "bench" },
      }),
    });

    // 1. Latency, one report at a time.
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
    }
    latencies.sort((a, b) => a - b);
    const latency = {
      reports: LATENCY_REPORTS,
      p50_ms: Math.round(percentile(latencies, 50)),
      p99_ms: Math.round(percentile(latencies, 99)),
      max_ms: Math.round(latencies.at(-1)),
    };
    console.log("report -> first provider request:", latency);

    // 2. The storm: everyone reports the same outage at once.
    const stormMarker = `storm-${word()}`;
    const subject = "All websites are down";
    const started = performance.now();
    let next = 0;
    let failed = 0;
    await Promise.all(
      Array.from({ length: STORM_CONCURRENCY }, async () => {
        while (next < STORM_REPORTS) {
          const i = next++;
          try {
            await fileReport(base, subject, `${stormMarker} report ${i}: nothing loads, every site gives an error.`, 100_000 + i);
          } catch (err) {
            failed++;
            if (failed <= 3) console.error(String(err));
          }
        }
      }),
    );
    const filedSeconds = (performance.now() - started) / 1000;
    const accepted = STORM_REPORTS - failed;
    console.log(`storm: ${accepted} reports accepted in ${filedSeconds.toFixed(1)} s`);

    // Wait until every accepted report is linked to an alert.
    const stormAlerts = async () => (await admin(base, token, "/api/admin/alerts")).alerts.filter((a) => a.subject === subject || a.first_text.includes(stormMarker));
    const linked = await waitFor(async () => {
      const alerts = await stormAlerts();
      const total = alerts.reduce((n, a) => n + a.report_count, 0);
      return total >= accepted ? alerts : null;
    }, 600_000, 1000);
    const groupedSeconds = (performance.now() - started) / 1000;
    const alerts = linked ?? (await stormAlerts());
    // Let the escalation run its course (level 2 after one minute), then count the pages.
    const stormPages = () => receiver.arrivals.filter((a) => a.body.includes(stormMarker) || alerts.some((al) => a.body.includes(al.code)));
    await waitFor(() => stormPages().length >= 2 * alerts.length, 150_000, 1000);
    await new Promise((r) => setTimeout(r, 5000));
    const details = await Promise.all(alerts.map((a) => admin(base, token, `/api/admin/alerts/${a.id}`)));
    const storm = {
      reports: STORM_REPORTS,
      accepted,
      filing_seconds: Number(filedSeconds.toFixed(1)),
      filing_per_second: Math.round(accepted / filedSeconds),
      all_grouped_after_seconds: Number(groupedSeconds.toFixed(1)),
      alerts: alerts.length,
      reports_in_alerts: alerts.reduce((n, a) => n + a.report_count, 0),
      escalation_levels: 2,
      pages_sent: stormPages().length,
      pages_expected: 2 * alerts.length,
      page_events: details.reduce((n, d) => n + d.alert.events.filter((e) => e.type === "paged").length, 0),
    };
    console.log("storm:", storm);
    return { latency, storm };
  } finally {
    receiver.close();
  }
}
