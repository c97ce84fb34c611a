// `npm run x -- mention "@ExampleHosting all my sites are down"` (and `dm "..."`), the same for
// `npm run mastodon` and `npm run bluesky`: a customer's mention or direct message on the local
// stand-in that `npm start` runs, then what became of it: the report, the page, our answers.
// X pushes it to the Worker's webhook (/hooks/x); Mastodon and Bluesky are polled, so the
// command ticks the cron once instead of waiting for the minute.
//
// `npm run x -- cost [--url URL --token TOKEN]`: this month's billable X reads and writes, what
// they cost at the configured prices, a projection for the month, and the spend cap.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { localSecrets, staffApi, withWorker } from "./lib/worker.mjs";
import { root } from "./lib/wrangler.mjs";

const [network, ...argv] = process.argv.slice(2);
const { values, positionals } = parseArgs({
  args: argv,
  allowPositionals: true,
  options: {
    from: { type: "string" },
    url: { type: "string" },
    token: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});
const [verb, text] = positionals;
const label = { x: "X", mastodon: "Mastodon", bluesky: "Bluesky" }[network];
const usage = `Usage:
  npm run ${network} -- mention "<text>" [--from <handle>]   a customer mentions us (on the local stand-in)
  npm run ${network} -- dm "<text>" [--from <handle>]        a customer writes to us privately${network === "x" ? `
  npm run x -- cost [--url <worker> --token <staff token>]   this month's X usage, cost, projection and cap` : ""}`;

if (!label) fail("Run it as npm run x, npm run mastodon or npm run bluesky.");
if (values.help || !verb) fail(usage, values.help ? 0 : 2);

if (verb === "cost") {
  if (network !== "x") fail("Only X is paid per use; Mastodon and Bluesky cost nothing to call.");
  await withWorker({ url: values.url, token: values.token }, async (w) => printCost(await staffApi(w, "GET", "/api/admin/social/x/cost")));
} else if (verb === "mention" || verb === "dm") {
  if (!text?.trim()) fail(`Say what the customer writes: npm run ${network} -- ${verb} "all my sites are down"`);
  await simulate(verb, text);
} else {
  fail(usage);
}

async function simulate(kind, body) {
  const port = Number(process.env.PORT || 8787);
  const statePath = join(root, ".wrangler", "tmp", `social-${port}.json`);
  if (!existsSync(statePath)) fail(`No local stand-ins for port ${port}: run \`npm start\` first (they run with it).`);
  const local = JSON.parse(readFileSync(statePath, "utf8"));
  if (!local.networks.includes(network)) fail(`${label} is configured with real credentials in .dev.vars: this command only talks to the local stand-in.`);
  const token = localSecrets().STAFF_TOKEN;
  const standIn = `${local.url}/${network}/local/__control`;
  const from = values.from?.replace(/^@/, "") ?? "ada_customer";
  const author = network === "x" ? { username: from, name: "Ada (demo customer)" } : network === "mastodon" ? { username: from.split("@")[0], acct: from.includes("@") ? from : `${from}@hachyderm.example`, display_name: "Ada (demo customer)" } : { handle: from.includes(".") ? from : `${from}.bsky.social`, displayName: "Ada (demo customer)" };
  const payload = network === "x" ? { text: body, author } : network === "mastodon" ? { text: body, account: author, ...(kind === "dm" ? { visibility: "direct" } : {}) } : { text: body, author };
  const before = (await (await fetch(`${standIn}/state`)).json()).data;
  const made = await post(`${standIn}/${network === "mastodon" && kind === "dm" ? "mention" : kind}`, payload);
  console.log(`${label}: ${kind === "dm" ? "a direct message" : "a mention"} from @${handleOf(author)}: "${body}"`);
  if (network === "x") console.log("  pushed to the Worker's webhook, signed: POST /hooks/x");
  else {
    await fetch(`${local.worker}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent("* * * * *")}`).catch(() => undefined);
    console.log("  the cron polled it (ticked once now instead of waiting for the minute)");
  }
  const answers = await waitFor(async () => {
    const state = (await (await fetch(`${standIn}/state`)).json()).data;
    const found = answersIn(state, made.data, before);
    return found.public || found.private ? found : null;
  }, 30_000);
  if (!answers) fail("No answer within 30 s: is `npm start` still running? Its log says what went wrong.");
  const reference = /R-[0-9A-Z]{8}/.exec(answers.public ?? answers.private)?.[0];
  if (reference && token) {
    // The fan-out pages right after the report; give it a moment to record the deliveries.
    const report = await waitFor(async () => {
      const r = await staffApi({ base: local.worker, token }, "GET", `/api/admin/reports/${reference}`).catch(() => null);
      return r && r.deliveries?.length ? r : null;
    }, 10_000).then(async (r) => r ?? (await staffApi({ base: local.worker, token }, "GET", `/api/admin/reports/${reference}`)));
    console.log(`\nReport ${report.reference}  (${report.channel}, ${report.state}, ${report.urgency})`);
    console.log(`  subject   ${report.subject}`);
    console.log(`  reporter  ${report.reporter.name ?? ""} @${report.reporter.x_handle ?? report.reporter.social_handle}`);
    if (report.alert) console.log(`  alert     ${report.alert.code}: ${report.alert.subject} (${report.alert.report_count} report(s), ${report.alert.state})`);
    for (const d of report.deliveries ?? []) console.log(`  page      ${d.purpose} to ${d.person ?? d.person_id} by ${d.channel} (${d.target}): ${d.state}`);
    if (!report.deliveries?.length) {
      console.log(
        report.alert?.held_by
          ? "  page      held: on-call has an unacknowledged alert already (one pager per policy); this one is in their next digest"
          : "  page      none yet (is an on-call configuration loaded? npm run oncall -- now)",
      );
    }
  }
  if (answers.public) console.log(`\nOur public reply:\n  ${answers.public}`);
  if (answers.private) console.log(`\nOur private answer:\n  ${answers.private}`);
  console.log(`\nPage mails: .wrangler/tmp/email   Staff view: GET ${local.worker}/api/admin/reports/${reference ?? "<reference>"}`);
}

function handleOf(author) {
  return author.username && author.acct ? author.acct : (author.username ?? author.handle);
}

/** Our answers to the customer's post or message, read from the stand-in's record. */
function answersIn(state, made, before) {
  if (network === "x") {
    const reply = state.posts.find((p) => p.in_reply_to_tweet_id === made.id);
    const dm = state.dms_sent.find((d) => d.to === (made.author_id ?? made.sender_id));
    return { public: reply?.text ?? null, private: dm?.text ?? null };
  }
  if (network === "mastodon") {
    const ours = state.statuses.filter((s) => s.in_reply_to_id === made.status.id);
    return { public: ours.find((s) => s.visibility !== "direct")?.text ?? null, private: ours.find((s) => s.visibility === "direct")?.text ?? null };
  }
  const reply = made.uri ? state.posts.find((p) => p.record.reply?.parent?.uri === made.uri) : null;
  const chat = state.sent.slice(before.sent.length).find((m) => /R-[0-9A-Z]{8}/.test(m.text));
  return { public: reply?.record.text ?? null, private: chat?.text ?? null };
}

async function post(url, body) {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) fail(`the local stand-in answered ${res.status}: ${await res.text()}`);
  return res.json();
}

async function waitFor(check, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = await check();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 500));
  }
  return null;
}

function printCost(c) {
  const usd = (n) => `$${n.toFixed(3)}`;
  console.log(`X usage in ${c.month} (an estimate at the configured prices; X's Developer Console has the bill)\n`);
  console.log("  what                              count     price      cost");
  for (const l of c.lines) console.log(`  ${l.label.padEnd(32)} ${String(l.count).padStart(6)}  ${usd(l.price).padStart(8)}  ${usd(l.usd).padStart(8)}`);
  console.log(`\n  billable reads ${c.reads}, writes ${c.writes}`);
  console.log(`  month to date   ${usd(c.spentUsd)}`);
  console.log(`  projected month ${usd(c.projectedUsd)}`);
  console.log(`  spend cap       ${c.capUsd === null ? "none (X_MONTHLY_SPEND_CAP_USD is empty)" : `${usd(c.capUsd)}${c.capReached ? "  REACHED: mention polling, replies and update threads are paused; DMs are still read and answered" : ""}`}`);
}

function fail(message, code = 1) {
  (code === 0 ? console.log : console.error)(message);
  process.exit(code);
}
