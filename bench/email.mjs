// Inbound-email benchmark, under local `wrangler dev` (started by bench/run.mjs), through
// wrangler's local Email Routing endpoint (POST /cdn-cgi/local/email), as `npm run mail` does:
//  1. latency: a mail to the urgent address -> the first provider request of its page (a
//     Slack-shaped webhook served by a loopback receiver started here), p50/p99, one mail at a
//     time, each report acknowledged once its page arrived (as a person would), so that the
//     next one raises and pages its own alert;
//  2. burst: 1,000 mails, 100 of them with a 5 MB attachment, sent 10 at a time -> how many
//     were stored (raw mail in R2, a row in D1) and filed, how many were lost (must be 0), and
//     how long the sending and the filing took.
import { createServer } from "node:http";
import { randomBytes, randomUUID } from "node:crypto";

export const name = "email";
/** The latency part raises 40 alerts for one person within minutes: far above the hourly
 * page ceiling, which would (rightly) turn later pages into digests. The bench lifts it. */
export const vars = { PAGES_PER_PERSON_PER_HOUR: "100000" };

const LATENCY_MAILS = Number(process.env.BENCH_EMAIL_LATENCY || 40);
const BURST_MAILS = Number(process.env.BENCH_EMAIL_BURST || 1000);
const BURST_LARGE = Number(process.env.BENCH_EMAIL_LARGE || 100);
const LARGE_BYTES = 5 * 1024 * 1024;
const BURST_CONCURRENCY = 10;
const URGENT = "urgent@status.example-hosting.test";

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

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

const syllables = ["ka", "lo", "mi", "ne", "pu", "ra", "si", "to", "vu", "ze", "qo", "bi"];
const word = () => Array.from({ length: 4 }, () => syllables[Math.floor(Math.random() * syllables.length)]).join("");

function mail({ from, subject, body, messageId, attachment }) {
  const head = [`From: ${from}`, `To: ${URGENT}`, `Subject: ${subject}`, `Message-ID: ${messageId}`, `Date: ${new Date().toUTCString()}`, "MIME-Version: 1.0"];
  if (!attachment) return [...head, "Content-Type: text/plain; charset=utf-8", "", body, ""].join("\r\n");
  return [
    ...head,
    'Content-Type: multipart/mixed; boundary="bench"',
    "",
    "--bench",
    "Content-Type: text/plain; charset=utf-8",
    "",
    body,
    "--bench",
    'Content-Type: application/pdf; name="screenshots.pdf"',
    'Content-Disposition: attachment; filename="screenshots.pdf"',
    "Content-Transfer-Encoding: base64",
    "",
    attachment,
    "--bench--",
    "",
  ].join("\r\n");
}

async function deliver(base, from, raw) {
  const url = `${base}/cdn-cgi/local/email?${new URLSearchParams({ from, to: URGENT, format: "json" })}`;
  const res = await fetch(url, { method: "POST", body: raw });
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return { outcome: `http ${res.status}`, error: text.slice(0, 300) };
  }
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

/** Every inbound mail the staff API lists, newest first (paged). */
async function allInbound(base, token) {
  const out = [];
  let cursor = null;
  for (;;) {
    const page = await admin(base, token, `/api/admin/inbound-emails?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    out.push(...page.emails);
    if (!page.next_cursor) return out;
    cursor = page.next_cursor;
  }
}

export async function run({ base, token }) {
  const receiver = await startReceiver();
  try {
    await admin(base, token, "/api/admin/oncall", {
      method: "PUT",
      body: JSON.stringify({
        version: 1,
        people: [{ id: "bench-mail", name: "Bench mail", timezone: "UTC", contactMethods: [{ type: "slack", webhookUrl: `${receiver.url}/first` }] }],
        policies: [{ id: "bench", levels: [{ timeoutMinutes: 10, targets: [{ person: "bench-mail" }] }], repeat: 0 }],
        routing: { defaultPolicy: "bench" },
      }),
    });

    // 1. Latency, one mail at a time, each acknowledged once its page arrived.
    const latencies = [];
    for (let i = 0; i < LATENCY_MAILS; i++) {
      const marker = `latency-${i}-${word()}`;
      const from = `sender${i}-${word()}@customers.example`;
      const messageId = `<${randomUUID()}@customers.example>`;
      const started = performance.now();
      const result = await deliver(base, from, mail({ from, subject: `${word()} ${word()} ${word()}`, body: `${marker}: the bench measures how fast this page arrives.`, messageId }));
      if (result.outcome !== "ok") throw new Error(`mail ${i}: ${JSON.stringify(result).slice(0, 500)}`);
      const arrival = await waitFor(() => receiver.arrivals.find((a) => a.body.includes(marker)), 30_000, 5);
      if (!arrival) throw new Error(`no page arrived for ${marker} within 30 s`);
      latencies.push(arrival.at - started);
      const reference = /\[(R-[0-9A-Z]{8})\]/.exec(result.replies?.[0]?.raw ?? "")?.[1];
      if (reference) await admin(base, token, `/api/admin/reports/${reference}/ack`, { method: "POST" });
    }
    latencies.sort((a, b) => a - b);
    const latency = {
      mails: LATENCY_MAILS,
      p50_ms: Math.round(percentile(latencies, 50)),
      p99_ms: Math.round(percentile(latencies, 99)),
      max_ms: Math.round(latencies.at(-1)),
    };
    console.log("email -> first provider request:", latency);

    // 2. The burst.
    const attachment = randomBytes(LARGE_BYTES).toString("base64").replace(/.{76}/g, "$&\r\n");
    const burstMarker = `burst-${word()}`;
    const sent = new Set();
    const outcomes = {};
    let next = 0;
    const burstStart = performance.now();
    await Promise.all(
      Array.from({ length: BURST_CONCURRENCY }, async () => {
        while (next < BURST_MAILS) {
          const i = next++;
          const from = `customer${i % 300}@customers.example`;
          const messageId = `<${burstMarker}-${i}@customers.example>`;
          const large = i % Math.round(BURST_MAILS / BURST_LARGE) === 0;
          const raw = mail({ from, subject: `Sites down ${i % 7}`, body: `${burstMarker} mail ${i}: nothing loads.`, messageId, attachment: large ? attachment : null });
          const result = await deliver(base, from, raw).catch((err) => ({ outcome: `error: ${err.message}` }));
          outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1;
          if (result.outcome === "ok") sent.add(messageId);
        }
      }),
    );
    const sendingSeconds = (performance.now() - burstStart) / 1000;
    console.log(`burst: ${BURST_MAILS} mails sent in ${sendingSeconds.toFixed(1)} s: ${JSON.stringify(outcomes)}`);

    // Stored: a row with the raw mail in R2. Filed: processed into a report (or, for the few
    // mails the sweep takes, once the cron has run). Lost: accepted but neither.
    let rows = [];
    const settled = await waitFor(
      async () => {
        rows = (await allInbound(base, token)).filter((e) => sent.has(e.message_id));
        const waiting = rows.filter((e) => e.state === "received").length;
        if (waiting > 0) await fetch(`${base}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent("* * * * *")}`).catch(() => undefined);
        return rows.length >= sent.size && waiting === 0 ? rows : null;
      },
      600_000,
      3000,
    );
    const filedSeconds = (performance.now() - burstStart) / 1000;
    const stored = rows.filter((e) => e.raw !== null);
    const burst = {
      mails: BURST_MAILS,
      with_5mb_attachment: BURST_LARGE,
      accepted: sent.size,
      refused_or_failed: BURST_MAILS - sent.size,
      stored: stored.length,
      filed_as_reports: rows.filter((e) => e.kind === "report").length,
      lost: sent.size - stored.length,
      sending_seconds: Number(sendingSeconds.toFixed(1)),
      mails_per_second: Math.round(BURST_MAILS / sendingSeconds),
      all_filed_after_seconds: settled ? Number(filedSeconds.toFixed(1)) : null,
    };
    console.log("burst:", burst);
    return { latency, burst };
  } finally {
    receiver.close();
  }
}
