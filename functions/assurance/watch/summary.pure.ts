// The weekly assurance summary admins read: how often each path and channel was verified, and
// when and why it failed ("email failed twice on Tuesday 03:10–03:40, cause: ..."). Pure: the
// runs of the week come in (oldest first), the mail's text goes out.

export interface SummaryRun {
  name: string;
  at: string;
  ok: boolean;
  error: string | null;
}

export interface FailureEpisode {
  from: string;
  to: string;
  count: number;
  cause: string;
}

export interface CheckSummary {
  name: string;
  runs: number;
  ok: number;
  episodes: FailureEpisode[];
}

export function summarizeChecks(runs: readonly SummaryRun[]): CheckSummary[] {
  const byName = new Map<string, SummaryRun[]>();
  for (const r of runs) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
  const out: CheckSummary[] = [];
  for (const [name, list] of [...byName].sort(([a], [b]) => a.localeCompare(b))) {
    const sorted = [...list].sort((a, b) => a.at.localeCompare(b.at));
    const episodes: FailureEpisode[] = [];
    let open: FailureEpisode | null = null;
    for (const r of sorted) {
      if (r.ok) {
        open = null;
        continue;
      }
      if (open) {
        open.to = r.at;
        open.count += 1;
      } else {
        open = { from: r.at, to: r.at, count: 1, cause: r.error ?? "no error given" };
        episodes.push(open);
      }
    }
    out.push({ name, runs: sorted.length, ok: sorted.filter((r) => r.ok).length, episodes });
  }
  return out;
}

const COUNT_WORDS = ["never", "once", "twice"];
const times = (n: number) => COUNT_WORDS[n] ?? `${n} times`;

function when(iso: string, timeZone: string): { day: string; time: string; date: string } {
  const d = new Date(iso);
  const day = new Intl.DateTimeFormat("en-GB", { weekday: "long", timeZone }).format(d);
  const time = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone }).format(d);
  const date = new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit", timeZone }).format(d);
  return { day, time, date };
}

export function episodeText(e: FailureEpisode, timeZone: string): string {
  const a = when(e.from, timeZone);
  const b = when(e.to, timeZone);
  const span = e.count === 1 ? `at ${a.time}` : a.date === b.date ? `${a.time}–${b.time}` : `${a.time}–${b.day} ${b.time}`;
  const cause = e.cause.length > 200 ? `${e.cause.slice(0, 199)}…` : e.cause;
  return `failed ${times(e.count)} on ${a.day} ${span}, cause: ${cause}`;
}

export interface SummaryInput {
  weekStart: string;
  weekEnd: string;
  timeZone: string;
  runs: readonly SummaryRun[];
  openDrifts: ReadonlyArray<{ subject: string; openedAt: string }>;
  humanCheck: { state: string; startedAt: string } | null;
  /** Channels whose only proof is the weekly test page (no silent check exists for them). */
  humanOnlyChannels: readonly string[];
}

export function summaryMail(input: SummaryInput): { subject: string; text: string } {
  const checks = summarizeChecks(input.runs);
  const total = checks.reduce((n, c) => n + c.runs, 0);
  const ok = checks.reduce((n, c) => n + c.ok, 0);
  const failing = checks.filter((c) => c.episodes.length > 0);
  const headline =
    total === 0
      ? "no check ran this week: the cron or the canaries are not running"
      : failing.length === 0
        ? `every path verified ${ok} of ${total} times`
        : `${ok} of ${total} checks passed; ${failing.length} path${failing.length === 1 ? "" : "s"} failed at times`;
  const lines = [`Assurance summary for ${input.weekStart.slice(0, 10)} to ${input.weekEnd.slice(0, 10)} (times in ${input.timeZone}).`, "", `${headline[0]!.toUpperCase()}${headline.slice(1)}.`, ""];
  for (const c of checks) {
    const base = `- ${c.name}: verified ${c.ok} of ${c.runs} times`;
    lines.push(c.episodes.length === 0 ? base : `${base}; ${c.episodes.map((e) => episodeText(e, input.timeZone)).join("; ")}`);
  }
  lines.push("");
  if (input.humanCheck) {
    lines.push(
      input.humanCheck.state === "acknowledged"
        ? "Weekly test page: acknowledged in time."
        : input.humanCheck.state === "waiting"
          ? "Weekly test page: waiting for an acknowledgement."
          : "Weekly test page: NOT acknowledged in time; the channels it went out on are unverified.",
    );
  } else {
    lines.push("Weekly test page: none this week.");
  }
  if (input.humanOnlyChannels.length > 0) {
    lines.push(`Channels with no silent check, proven only by the test page: ${input.humanOnlyChannels.join(", ")}.`);
  }
  if (input.openDrifts.length > 0) {
    lines.push("", "Still broken now:");
    for (const d of input.openDrifts) lines.push(`- ${d.subject} (since ${d.openedAt})`);
  }
  return {
    subject: failing.length === 0 && total > 0 && input.openDrifts.length === 0 ? `Assurance: ${headline}` : `Assurance: attention needed (${headline})`,
    text: lines.join("\n"),
  };
}

/** Monday 00:00 UTC of the week before the one `now` is in: the week a summary covers. */
export function previousWeek(now: number): { start: Date; end: Date } {
  const d = new Date(now);
  const day = (d.getUTCDay() + 6) % 7; // Monday = 0
  const thisMonday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day);
  return { start: new Date(thisMonday - 7 * 86_400_000), end: new Date(thisMonday) };
}
