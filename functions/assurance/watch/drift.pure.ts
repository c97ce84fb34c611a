// Drift: what is broken, from what the checks, secrets, pollers and report traffic say. Pure: the
// cron reads the rows and passes them in; the answer is the set of things broken right now, each
// with a stable key (one alert per key until it recovers).

export type DriftKind = "check" | "secret" | "forward" | "cursor" | "silence";

export interface DriftFinding {
  key: string;
  kind: DriftKind;
  subject: string;
  text: string;
  /** The contact-method type that is itself broken, if any: the page says to trust the others. */
  brokenChannel: string | null;
}

export interface DriftSettings {
  /** Failures in a row before a check is drift (the issue: twice). */
  failuresInARow: number;
  /** A check that only ever reports failures (cron:<task>) counts as recovered after this long without one. */
  failureOnlyQuietMinutes: number;
  /** A social stream not polled for this long has a stuck cursor. */
  cursorStallMinutes: number;
  /** Reports in the look-back before a channel "normally has traffic". */
  silenceMinReports: number;
  /** Silent for this many times the usual gap between reports... */
  silenceFactor: number;
  /** ...and at least this long. */
  silenceMinHours: number;
  silenceLookbackDays: number;
}

export const driftDefaults: DriftSettings = {
  failuresInARow: 2,
  failureOnlyQuietMinutes: 60,
  cursorStallMinutes: 60,
  silenceMinReports: 20,
  silenceFactor: 6,
  silenceMinHours: 12,
  silenceLookbackDays: 28,
};

export interface DriftInput {
  now: number;
  settings: DriftSettings;
  /** Newest runs first, per check name; everOk = it has succeeded at least once. */
  checks: ReadonlyMap<string, { runs: ReadonlyArray<{ at: string; ok: boolean; error: string | null }>; everOk: boolean }>;
  /** Secret names configured now, and those seen configured before. */
  secretsNow: readonly string[];
  secretsSeen: readonly string[];
  cursors: ReadonlyArray<{ stream: string; lastPolledAt: string | null }>;
  traffic: ReadonlyArray<{ channel: string; count: number; lastAt: string }>;
}

/** Names that look like secrets among the Worker's bindings (only names are ever looked at). */
export const SECRET_NAME = /(TOKEN|SECRET|_KEY|PASSWORD|SALT|AUTH)$/;

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** The channel a check name stands for, when it is an on-call channel ("channel:telegram"). */
export function channelOfCheck(name: string): string | null {
  const m = /^(?:channel|human):([a-z0-9_-]+)$/.exec(name);
  return m ? m[1]! : null;
}

/** `email-forward:<intake>-><to>` (functions/email/forward.ts) as its parts. */
export function forwardOfCheck(name: string): { intake: string; to: string } | null {
  const m = /^email-forward:(.+)->(.+)$/.exec(name);
  return m ? { intake: m[1]!, to: m[2]! } : null;
}

function checkFinding(name: string, entry: { runs: ReadonlyArray<{ at: string; ok: boolean; error: string | null }>; everOk: boolean }, input: DriftInput): DriftFinding | null {
  const forward = forwardOfCheck(name);
  // A forward destination is broken at its first refusal (mail is at stake, and the email
  // room pages it under the same key at once: the fan-out keeps it one alert).
  const needed = forward ? 1 : input.settings.failuresInARow;
  const last = entry.runs.slice(0, needed);
  if (last.length < needed || last.some((r) => r.ok)) return null;
  const latest = last[0]!;
  if (!entry.everOk && input.now - Date.parse(latest.at) > input.settings.failureOnlyQuietMinutes * 60_000) return null;
  const cause = latest.error ?? "no error given";
  if (forward) {
    return {
      key: `email-forward:${forward.intake}:${forward.to}`.slice(0, 200),
      kind: "forward",
      subject: clip(`Mail to ${forward.intake} could not be forwarded to ${forward.to}`, 300),
      text: `The forward destination ${forward.to} stopped accepting mail for ${forward.intake}: ${cause}. Check it in Cloudflare Email Routing (verified?) and EMAIL_INTAKE.`,
      brokenChannel: null,
    };
  }
  const channel = channelOfCheck(name);
  return {
    key: `drift:check:${name}`.slice(0, 200),
    kind: "check",
    subject: clip(`Assurance: ${name} failed ${needed} times in a row`, 300),
    text: [
      `The check "${name}" failed ${needed} times in a row (last at ${latest.at}): ${clip(cause, 500)}.`,
      channel ? `Pages through ${channel} may not arrive: this alert goes out on your other channels; fix ${channel} before you rely on it.` : "",
      "This alert resolves itself when the check passes again (GET /api/admin/assurance).",
    ]
      .filter(Boolean)
      .join("\n"),
    brokenChannel: channel,
  };
}

export function findDrift(input: DriftInput): DriftFinding[] {
  const out: DriftFinding[] = [];
  for (const [name, entry] of [...input.checks].sort(([a], [b]) => a.localeCompare(b))) {
    const f = checkFinding(name, entry, input);
    if (f) out.push(f);
  }
  const present = new Set(input.secretsNow);
  for (const name of [...input.secretsSeen].sort()) {
    if (present.has(name)) continue;
    out.push({
      key: `drift:secret:${name}`,
      kind: "secret",
      subject: `Assurance: the secret ${name} disappeared`,
      text: `${name} was configured and is not any more: whatever uses it (a channel, a webhook signature, sign-in) is failing or unchecked. Put it back with \`wrangler secret put ${name}\`.`,
      brokenChannel: null,
    });
  }
  for (const c of input.cursors) {
    const stalled = c.lastPolledAt === null ? false : input.now - Date.parse(c.lastPolledAt) > input.settings.cursorStallMinutes * 60_000;
    if (!stalled) continue;
    out.push({
      key: `drift:cursor:${c.stream}`,
      kind: "cursor",
      subject: `Assurance: polling of ${c.stream} stopped advancing`,
      text: `${c.stream} was last polled at ${c.lastPolledAt}, more than ${input.settings.cursorStallMinutes} minutes ago: mentions and messages there are not becoming reports.`,
      brokenChannel: null,
    });
  }
  const lookbackMs = input.settings.silenceLookbackDays * 86_400_000;
  for (const t of input.traffic) {
    if (t.count < input.settings.silenceMinReports) continue;
    const usualGapMs = lookbackMs / t.count;
    const silentMs = input.now - Date.parse(t.lastAt);
    const limitMs = Math.max(usualGapMs * input.settings.silenceFactor, input.settings.silenceMinHours * 3_600_000);
    if (silentMs <= limitMs) continue;
    const hours = Math.floor(silentMs / 3_600_000);
    out.push({
      key: `drift:silence:${t.channel}`,
      kind: "silence",
      subject: `Assurance: no ${t.channel} reports for ${hours} h (usually one every ${formatGap(usualGapMs)})`,
      text: `The ${t.channel} channel brought ${t.count} reports in the last ${input.settings.silenceLookbackDays} days, and none since ${t.lastAt}. Customers may be unable to reach you this way: try it yourself.`,
      brokenChannel: null,
    });
  }
  return out;
}

function formatGap(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  return minutes < 120 ? `${minutes} min` : `${Math.round(minutes / 60)} h`;
}
