// Subscribers benchmark, under local `wrangler dev` (started by bench/run.mjs), run only when
// named: `npm run bench -- subscribers`. One incident update told to 10,000 subscribers through
// the real Worker and its queue: 9,900 confirmed email subscribers (added in bulk through the
// staff API; mail goes to Miniflare's simulated send_email) and 100 webhooks (subscribed through
// the public form; a loopback receiver here answers the verification ping and records each
// delivery). Prints, never asserts:
//   - from the update's publication (its created_at) to the first and the last delivery at the
//     stand-ins (each mail's sentAt in the local explorer, each webhook's arrival here), and
//     p50/p99 of that per delivery; deliveries per second;
//   - subscribers told more than once, or never;
//   - queue invocations and messages, and per invocation the subrequests to Cloudflare services
//     (D1, queues, send_email) and external ones (fetch), counted by the Worker itself
//     (METER_INVOCATIONS, functions/platform/meter.ts), beside the Workers limits.
import { createServer } from "node:http";

export const name = "subscribers";
/** Minutes of a loaded machine: not part of the default `npm run bench`. */
export const onlyWhenNamed = true;
export const vars = {
  METER_INVOCATIONS: "1",
  // The meter's lines are console.log lines: they reach the bench through wrangler's output.
  OOB_LOG_LEVEL: "log",
  // Cron ticks would add invocations (and an outbox sweep) of their own to the count.
  OOB_NO_CRON: "1",
};

const TOTAL = Number(process.env.BENCH_SUBSCRIBERS || 10_000);
const WEBHOOKS = Math.min(TOTAL, Number(process.env.BENCH_WEBHOOKS || 100));
const EMAILS = TOTAL - WEBHOOKS;
const WATCH_MS = Number(process.env.BENCH_SUBSCRIBERS_WATCH_SECONDS || 900) * 1000;
const EMAIL_DOMAIN = "subscribers.example";
const BULK = 1000;
/** Subrequests one invocation may make (Workers limits, 2026): free plan, and paid plans. */
const LIMITS = { free: { external: 50, cloudflare_services: 1000 }, paid: { subrequests: 10_000 } };
const EXPLORER_SENT = "/cdn-cgi/local/explorer/api/local/email/sending";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const seconds = (ms) => (ms === null || ms === undefined ? null : +(ms / 1000).toFixed(2));

/** A subscriber's webhook endpoint: echoes the verification challenge, records deliveries. */
async function startReceiver() {
  const arrivals = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const at = Date.now();
      let json = {};
      try {
        json = JSON.parse(body);
      } catch {
        // not ours: recorded below all the same
      }
      if (json.type === "subscription.verify") {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ challenge: json.challenge }));
        return;
      }
      arrivals.push({ at, path: req.url, event: req.headers["x-outofband-event"] ?? null });
      res.writeHead(204).end();
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${server.address().port}`, arrivals, close: () => server.close() };
}

async function admin(base, token, path, init = {}) {
  const res = await fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...init.headers } });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/** Through the public form, as a subscriber would; each from its own address (the form's limits are per client). */
async function subscribeWebhook(base, url, i) {
  const res = await fetch(`${base}/subscribe`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: base, "cf-connecting-ip": `10.77.${i >> 8}.${i & 255}` },
    body: new URLSearchParams({ channel: "webhook", url }).toString(),
  });
  if (res.status !== 200) throw new Error(`webhook ${i}: HTTP ${res.status}`);
  await res.arrayBuffer();
}

/** Every mail the simulated send_email binding took in this session, newest first, 100 a page. */
async function sentMails(base) {
  const mails = [];
  let cursor;
  for (;;) {
    const url = new URL(EXPLORER_SENT, base);
    url.searchParams.set("limit", "100");
    if (cursor) url.searchParams.set("cursor", cursor);
    const res = await fetch(url);
    if (!res.ok) throw new Error(`local explorer: HTTP ${res.status} ${await res.text()}`);
    const page = await res.json();
    const items = page.result ?? page.items ?? [];
    mails.push(...items);
    cursor = page.result_info?.cursor ?? page.cursor;
    const more = page.result_info?.has_more ?? page.hasMore ?? Boolean(cursor);
    if (!more || !cursor || items.length === 0) break;
  }
  return mails;
}

function meterLines(lines, from) {
  return lines
    .slice(from)
    .map((l) => /meter (\{.*\})/.exec(l)?.[1])
    .filter(Boolean)
    .map((j) => JSON.parse(j))
    .filter((m) => m.label === "queue outofband-fanout");
}

function spread(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? null };
}

export async function run({ base, token, output }) {
  const receiver = await startReceiver();
  try {
    for (let i = 0; i < WEBHOOKS; i++) await subscribeWebhook(base, `${receiver.url}/hook/${i}`, i);
    for (let start = 0; start < EMAILS; start += BULK) {
      const subscribers = Array.from({ length: Math.min(BULK, EMAILS - start) }, (_, i) => ({ email: `bench-${start + i}@${EMAIL_DOMAIN}` }));
      await admin(base, token, "/api/admin/subscribers", { method: "POST", body: JSON.stringify({ subscribers }) });
    }
    const { counts } = await admin(base, token, "/api/admin/subscribers?limit=1");
    console.log("subscribers:", counts.map((c) => `${c.channel} ${c.state}: ${c.n}`).join(", "));

    // The incident is opened quietly; its next update is the one measured.
    const opened = await admin(base, token, "/api/admin/incidents", {
      method: "POST",
      body: JSON.stringify({ name: "Bench: mail delayed", status: "investigating", impact: "minor", body: "Outgoing mail is delayed.", notify: { subscribers: false, social: false } }),
    });
    await sleep(2000);
    const logFrom = output().length;
    const mailsBefore = new Set((await sentMails(base)).map((m) => m.messageId ?? m.id));
    const arrivalsBefore = receiver.arrivals.length;

    const posted = await admin(base, token, `/api/admin/incidents/${opened.id}/updates`, {
      method: "POST",
      body: JSON.stringify({ status: "identified", body: "A relay is overloaded; we are moving traffic off it. The bench tells every subscriber.", notify: { subscribers: true, social: false } }),
    });
    const updateId = posted.update_id;
    const update = posted.incident.incident_updates.find((u) => u.id === updateId);
    const publishedAt = Date.parse(update.created_at);
    console.log(`update ${updateId} published at ${update.created_at}; watching deliveries`);

    let progress = null;
    const until = Date.now() + WATCH_MS;
    let lastPrint = 0;
    while (Date.now() < until) {
      progress = await admin(base, token, `/api/admin/subscribers/deliveries?update=${updateId}`);
      const settled = (progress.states.sent ?? 0) + (progress.states.dropped ?? 0);
      if (settled >= TOTAL) break;
      if (Date.now() - lastPrint > 15_000) {
        lastPrint = Date.now();
        console.log(`  ${Math.round((Date.now() - publishedAt) / 1000)} s: ${JSON.stringify(progress.states)}`);
      }
      await sleep(2000);
    }
    // The last invocations' meter lines, and the stand-ins' last records, come as they end.
    await sleep(3000);

    const mails = (await sentMails(base)).filter((m) => !mailsBefore.has(m.messageId ?? m.id));
    const subscriberMails = mails.filter((m) => (m.to ?? []).some((to) => String(to).endsWith(`@${EMAIL_DOMAIN}`) || String(to).endsWith(`@${EMAIL_DOMAIN}>`)));
    // The quiet opening told nobody, so whatever arrived since is this update's (one event id).
    const hooks = receiver.arrivals.slice(arrivalsBefore);
    const hookEvents = [...new Set(hooks.map((a) => a.event))];

    const perMail = new Map();
    for (const m of subscriberMails) for (const to of m.to) perMail.set(String(to), (perMail.get(String(to)) ?? 0) + 1);
    const perHook = new Map();
    for (const a of hooks) perHook.set(a.path, (perHook.get(a.path) ?? 0) + 1);
    const twice = [...perMail.values(), ...perHook.values()].filter((n) => n > 1).length;
    const reached = perMail.size + perHook.size;

    const mailDelays = subscriberMails.map((m) => Date.parse(m.sentAt) - publishedAt);
    const hookDelays = hooks.map((a) => a.at - publishedAt);
    const all = spread([...mailDelays, ...hookDelays]);
    const deliveries = mailDelays.length + hookDelays.length;

    const meters = meterLines(output(), logFrom);
    const per = (k) => spread(meters.map((m) => m[k]));
    const figures = {
      subscribers: { email: EMAILS, webhook: WEBHOOKS },
      deliveries_at_stand_ins: { mail: mailDelays.length, webhook: hookDelays.length, webhook_event_ids: hookEvents },
      subscribers_reached: reached,
      subscribers_never_reached: TOTAL - reached,
      subscribers_told_more_than_once: twice,
      worker_delivery_states: progress?.states ?? {},
      publish_to_first_delivery_s: seconds(Math.min(...mailDelays, ...hookDelays)),
      publish_to_last_delivery_s: seconds(all.max),
      per_delivery_s: { p50: seconds(all.p50), p99: seconds(all.p99) },
      per_delivery_s_by_channel: {
        email: Object.fromEntries(Object.entries(spread(mailDelays)).map(([k, v]) => [k, seconds(v)])),
        webhook: Object.fromEntries(Object.entries(spread(hookDelays)).map(([k, v]) => [k, seconds(v)])),
      },
      deliveries_per_second: all.max ? Math.round(deliveries / (all.max / 1000)) : null,
      queue_invocations: meters.length || "no meter lines (METER_INVOCATIONS missing?)",
      queue_messages: meters.reduce((n, m) => n + m.messages, 0),
      per_invocation: meters.length
        ? { messages: per("messages"), cloudflare_service_subrequests: per("services"), external_subrequests: per("external"), wall_ms: per("ms") }
        : null,
      limits_per_invocation: LIMITS,
    };
    if (reached < TOTAL) console.error(`only ${reached} of ${TOTAL} subscribers were reached within ${WATCH_MS / 1000} s`);
    console.log(figures);
    return figures;
  } finally {
    receiver.close();
  }
}
