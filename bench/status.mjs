// Status page budgets, printed as figures (never asserted):
//   - first view of /: the HTML plus the same-origin CSS and JS it loads, brotli-compressed,
//     against 14.6 KB (10 TCP segments of 1460 bytes: one round trip on a fresh connection);
//   - /api/v2/summary.json requests per second against a static asset from the same server,
//     measured in the same run (autocannon), ratio printed (budget: at least 0.8);
//   - how long a staff change takes to show in summary.json.
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import autocannon from "autocannon";

export const name = "status";

const FIRST_VIEW_BUDGET = 14_600;
const DURATION_S = Number(process.env.BENCH_DURATION || 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 10);

const brotli = (buf, quality) => brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: quality } }).length;

async function firstView(base) {
  const html = Buffer.from(await (await fetch(`${base}/`)).arrayBuffer());
  const text = html.toString("utf8");
  const assets = [
    ...[...text.matchAll(/<link[^>]+rel="stylesheet"[^>]*href="([^"]+)"/g)].map((m) => m[1]),
    ...[...text.matchAll(/<script[^>]+src="([^"]+)"/g)].map((m) => m[1]),
  ].filter((href) => href.startsWith("/") && !href.startsWith("//"));
  const files = [{ path: "/", body: html }];
  for (const path of assets) files.push({ path, body: Buffer.from(await (await fetch(base + path)).arrayBuffer()) });
  const all = files.map((f) => ({ path: f.path, raw: f.body.length, br11: brotli(f.body, 11), br5: brotli(f.body, 5), gzip: gzipSync(f.body).length }));
  const total = (k) => all.reduce((n, f) => n + f[k], 0);
  return {
    files: all,
    raw_bytes: total("raw"),
    brotli_q11_bytes: total("br11"),
    brotli_q5_bytes: total("br5"),
    gzip_bytes: total("gzip"),
    budget_bytes: FIRST_VIEW_BUDGET,
    within_budget: total("br5") <= FIRST_VIEW_BUDGET,
  };
}

async function rps(url) {
  // Warm up (fills the edge cache and the isolate), then measure.
  await autocannon({ url, connections: CONNECTIONS, duration: 2 });
  const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S });
  return { rps: Math.round(r.requests.average), p50_ms: r.latency.p50, p99_ms: r.latency.p99, errors: r.errors, non2xx: r.non2xx };
}

async function changeVisibleMs(base, token) {
  const started = Date.now();
  const res = await fetch(`${base}/api/admin/incidents`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "Benchmark incident", status: "investigating", impact: "minor", body: "Measuring how fast a change shows." }),
  });
  const { id } = await res.json();
  for (;;) {
    const summary = await (await fetch(`${base}/api/v2/summary.json`)).json();
    if (summary.incidents.some((i) => i.id === id)) break;
    if (Date.now() - started > 30_000) return null;
    await new Promise((r) => setTimeout(r, 50));
  }
  const ms = Date.now() - started;
  await fetch(`${base}/api/admin/incidents/${id}/updates`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ status: "resolved", body: "Done measuring." }),
  });
  return ms;
}

export async function run({ base, token }) {
  const view = await firstView(base);
  console.log(`first view of /: ${view.raw_bytes} B raw, ${view.brotli_q5_bytes} B brotli q5, ${view.brotli_q11_bytes} B brotli q11 (budget ${FIRST_VIEW_BUDGET} B): ${view.within_budget ? "within" : "OVER"} budget`);

  // Both measured at the same time (each with its own connections), in several rounds: on a
  // shared, busy machine whatever else runs weighs on both sides of the ratio alike.
  const rounds = Number(process.env.BENCH_ROUNDS || 3);
  const pairs = [];
  for (let i = 0; i < rounds; i++) {
    const [a, s] = await Promise.all([rps(`${base}/logo.svg`), rps(`${base}/api/v2/summary.json`)]);
    pairs.push({ asset: a, summary: s, ratio: Math.round((s.rps / a.rps) * 100) / 100 });
  }
  const mean = (pick) => ({ ...pick(pairs[pairs.length - 1]), rps: Math.round(pairs.reduce((n, p) => n + pick(p).rps, 0) / pairs.length), rounds: pairs.map((p) => pick(p).rps) });
  const asset = mean((p) => p.asset);
  const summary = mean((p) => p.summary);
  console.log(`static asset /logo.svg: ${asset.rps} req/s (rounds ${asset.rounds.join(", ")}; p50 ${asset.p50_ms} ms, p99 ${asset.p99_ms} ms)`);
  console.log(`/api/v2/summary.json: ${summary.rps} req/s (rounds ${summary.rounds.join(", ")}; p50 ${summary.p50_ms} ms, p99 ${summary.p99_ms} ms)`);
  const home = await rps(`${base}/`);
  console.log(`/ (live page): ${home.rps} req/s (p50 ${home.p50_ms} ms, p99 ${home.p99_ms} ms)`);
  const ratio = Math.round((summary.rps / asset.rps) * 100) / 100;
  console.log(`summary.json / static asset ratio: ${ratio} (per round ${pairs.map((p) => p.ratio).join(", ")}; budget: at least 0.8): ${ratio >= 0.8 ? "within" : "BELOW"} budget`);

  const visibleMs = await changeVisibleMs(base, token);
  console.log(`a staff change shows in summary.json after ${visibleMs} ms (contract: within 10 000 ms)`);

  return {
    first_view: view,
    rps: { static_asset: asset, summary_json: summary, home_page: home, summary_to_static_ratio: ratio },
    staff_change_visible_ms: visibleMs,
  };
}
