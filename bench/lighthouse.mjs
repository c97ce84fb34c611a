// `npm run lighthouse`: Lighthouse (mobile preset: emulated phone, simulated slow 4G and CPU)
// on the public pages, against the product under local `wrangler dev`, printed as scores.
// Budget: 100 in performance, accessibility, best practices and SEO. Needs Chromium
// (CHROME_PATH, default /usr/bin/chromium); works offline.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";
import { quietEnv } from "../scripts/lib/env.mjs";
import { startServer } from "./lib/server.mjs";

const PAGES = (process.env.LIGHTHOUSE_PAGES || "/,/history,/incidents/inc_demo_mail_delay,/maintenance/mnt_demo_network,/postmortems/outgoing-mail-delays").split(",");
const CATEGORIES = ["performance", "accessibility", "best-practices", "seo"];

if (process.env.OOB_SKIP_BUILD !== "1") {
  const built = spawnSync("node", ["scripts/build-site.mjs"], { stdio: "inherit", env: quietEnv() });
  if (built.status !== 0) process.exit(1);
}

const server = await startServer({ port: Number(process.env.LIGHTHOUSE_PORT || 8796) });
await withResponseTimes(server);
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH || "/usr/bin/chromium",
  chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const figures = {};
let allPerfect = true;
try {
  mkdirSync("bench-results", { recursive: true });
  for (const path of PAGES) {
    // A run whose trace failed (e.g. NO_NAVSTART on a busy machine) says nothing: run again.
    let result;
    for (let attempt = 1; attempt <= 3; attempt++) {
      result = await lighthouse(`${server.base}${path}`, { port: chrome.port, output: "json", logLevel: "error", onlyCategories: CATEGORIES });
      if (!result.lhr.runtimeError && !Object.values(result.lhr.audits).some((a) => a.errorMessage)) break;
      console.log(`${path}: Lighthouse run ${attempt} failed (${result.lhr.runtimeError?.code ?? "audit error"}), again`);
    }
    const lhr = result.lhr;
    const scores = Object.fromEntries(CATEGORIES.map((c) => [c, Math.round((lhr.categories[c]?.score ?? 0) * 100)]));
    figures[path] = scores;
    const failing = Object.values(lhr.audits)
      .filter((a) => a.score !== null && a.score < 1 && a.scoreDisplayMode !== "informative" && a.scoreDisplayMode !== "manual" && a.scoreDisplayMode !== "notApplicable")
      .map((a) => `${a.id} (${a.displayValue ?? a.score})`);
    if (Object.values(scores).some((s) => s < 100)) allPerfect = false;
    console.log(`${path}: ${CATEGORIES.map((c) => `${c} ${scores[c]}`).join(", ")}${failing.length ? `\n  below 1: ${failing.join(", ")}` : ""}`);
    writeFileSync(`bench-results/lighthouse${path.replaceAll("/", "_") || "_"}.json`, result.report);
  }
} finally {
  await chrome.kill();
  server.stop();
}
console.log("\n=== figures ===");
console.log(JSON.stringify({ lighthouse_mobile: figures, all_100: allPerfect }, null, 2));

/**
 * The home page as a monitored company's looks: a monitor of this very server linked to the
 * demo's DNS component, probed by a few cron ticks, so the page carries its response-time charts
 * (inline SVG) when Lighthouse measures it.
 */
async function withResponseTimes({ base, token }) {
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const monitors = { version: 1, monitors: [{ id: "lighthouse-self", name: "Self", kind: "http", target: `${base}/healthz`, component: "cmp_dns" }] };
  const put = await fetch(`${base}/api/admin/monitors`, { method: "PUT", headers, body: JSON.stringify(monitors) });
  if (!put.ok) throw new Error(`lighthouse: the monitor could not be set up: ${put.status} ${await put.text()}`);
  for (let tick = 0; tick < 3; tick++) await fetch(`${base}/cdn-cgi/handler/scheduled?cron=*+*+*+*+*`);
  const home = await (await fetch(`${base}/`)).text();
  const charts = (home.match(/response time over/g) ?? []).length;
  console.log(`home page: ${charts} response-time chart${charts === 1 ? "" : "s"} (a monitor of this server linked to DNS)`);
}
