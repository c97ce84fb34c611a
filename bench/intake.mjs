// Intake benchmark: accepted reports per second and latency of POST /api/reports under
// autocannon, then a storm of 5,000 reports through the web form from 1,000 simulated
// reporters (distinct CF-Connecting-IP, 5 each: the form's per-client limit), counted back
// through the staff API: stored, lost, and the alerts and pages the storm caused.
import autocannon from "autocannon";

export const name = "intake";

const STORM_REPORTS = Number(process.env.BENCH_STORM_REPORTS || 5000);
const STORM_CLIENTS = Math.ceil(STORM_REPORTS / 5);
const STORM_CONCURRENCY = 32;

let seq = 0;
function clientIp(n) {
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/** The web's outage storm: many people, similar words, each their own text. */
function reportText(i) {
  return {
    subject: `Websites down ${i % 3 === 0 ? "again" : "now"}`,
    message: `Reporter ${i}: all my sites answer 502 since a few minutes. Case ${i}-${Math.random().toString(36).slice(2, 8)}.`,
    email: `customer${i}@example.net`,
    urgency: i % 5 === 0 ? "critical" : "high",
  };
}

async function throughput(base) {
  const result = await autocannon({
    url: `${base}/api/reports`,
    connections: 16,
    duration: Number(process.env.BENCH_DURATION || 10),
    method: "POST",
    headers: { "content-type": "application/json" },
    requests: [
      {
        setupRequest(req) {
          const n = ++seq;
          // A fresh client per request: this measures intake, not the per-client limiter.
          req.headers = { ...req.headers, "cf-connecting-ip": clientIp(100_000 + n) };
          req.body = JSON.stringify(reportText(1_000_000 + n));
          return req;
        },
      },
    ],
  });
  const accepted = result["2xx"];
  return {
    connections: 16,
    duration_s: result.duration,
    requests: result.requests.total,
    accepted,
    non_2xx: result.non2xx,
    errors: result.errors,
    accepted_per_s: Math.round((accepted / result.duration) * 10) / 10,
    latency_ms: { p50: result.latency.p50, p97_5: result.latency.p97_5, p99: result.latency.p99, max: result.latency.max },
  };
}

async function storm(base) {
  const statuses = {};
  const latencies = [];
  let next = 0;
  const started = performance.now();
  async function worker() {
    for (;;) {
      const i = next++;
      if (i >= STORM_REPORTS) return;
      const client = i % STORM_CLIENTS;
      const t0 = performance.now();
      let status = "network-error";
      try {
        const res = await fetch(`${base}/report`, {
          method: "POST",
          redirect: "manual",
          headers: { "content-type": "application/x-www-form-urlencoded", origin: base, "cf-connecting-ip": clientIp(client + 1) },
          body: new URLSearchParams(reportText(i)).toString(),
        });
        await res.arrayBuffer();
        status = String(res.status);
      } catch {
        // counted as a network error
      }
      latencies.push(performance.now() - t0);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  }
  await Promise.all(Array.from({ length: STORM_CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]);
  return { sent: STORM_REPORTS, clients: STORM_CLIENTS, seconds: Math.round(seconds * 10) / 10, statuses, per_s: Math.round((STORM_REPORTS / seconds) * 10) / 10, latency_ms: { p50: pct(50), p99: pct(99) } };
}

async function staffGet(base, token, path) {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
      if (!res.ok) return { status: res.status, body: null };
      return { status: res.status, body: await res.json() };
    } catch (err) {
      // wrangler dev restarts its worker when files change: wait and ask again.
      if (attempt >= 10) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** Every web report, counted back page by page through the staff API. */
async function countWebReports(base, token) {
  let cursor = null;
  let count = 0;
  const alerts = new Set();
  do {
    const { body } = await staffGet(base, token, `/api/admin/reports?channel=web&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    for (const r of body.reports) {
      count++;
      if (r.alert_id) alerts.add(r.alert_id);
    }
    cursor = body.next_cursor;
  } while (cursor);
  return { count, alerts };
}

/** Pages (notifications) the alerts caused, when the on-call fan-out is present. */
async function countPages(base, token, alertIds) {
  let pages = 0;
  for (const id of alertIds) {
    const { body } = await staffGet(base, token, `/api/admin/alerts/${encodeURIComponent(id)}`);
    const deliveries = body?.alert?.deliveries;
    if (Array.isArray(deliveries)) pages += deliveries.length;
  }
  return pages;
}

export async function run({ base, token }) {
  console.log("throughput: POST /api/reports with autocannon ...");
  const api = await throughput(base);
  console.log(JSON.stringify(api));

  // Web reports already there (the demo seed) are not the storm's.
  const before = (await countWebReports(base, token)).count;
  console.log(`storm: ${STORM_REPORTS} reports through POST /report from ${STORM_CLIENTS} clients ...`);
  const s = await storm(base);
  console.log(JSON.stringify(s));
  const accepted = s.statuses["303"] ?? 0;

  // Let the queue drain: the fan-out groups the storm into alerts.
  let counted = await countWebReports(base, token);
  for (let i = 0; i < 20 && counted.alerts.size === 0; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    counted = await countWebReports(base, token);
  }
  await new Promise((r) => setTimeout(r, 3000));
  counted = await countWebReports(base, token);
  const fanout = (await staffGet(base, token, "/api/admin/alerts")).status === 200;
  const pages = fanout ? await countPages(base, token, counted.alerts) : null;
  const stored = counted.count - before;
  return {
    api,
    storm: {
      ...s,
      accepted,
      stored,
      lost: accepted - stored,
      alerts: fanout ? counted.alerts.size : "fan-out not present",
      pages: pages ?? "fan-out not present",
    },
  };
}
