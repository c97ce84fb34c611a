// Reports as a signal: when enough customers report trouble with one thing within minutes, the
// status page says "we are receiving reports of problems with Mail and are investigating", which
// closes the gap between customers noticing and the page saying so. Shown by itself only for a
// component staff opted in; otherwise (and for an alert without a component) after one staff
// tap, because a page that reacts to anyone's reports can be pushed by anyone who files them.

export interface ReportSignalSettings {
  /** Reports about one component within the window that make a signal. */
  threshold: number;
  windowMinutes: number;
}

export const reportSignalDefaults: ReportSignalSettings = { threshold: 5, windowMinutes: 10 };

function positive(value: unknown, fallback: number): number {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : typeof value === "number" ? value : NaN;
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/** REPORT_SIGNAL_THRESHOLD and REPORT_SIGNAL_MINUTES (the vars, passed in as plain values). */
export function readReportSignalSettings(vars: { REPORT_SIGNAL_THRESHOLD?: unknown; REPORT_SIGNAL_MINUTES?: unknown }): ReportSignalSettings {
  return {
    // At least two reports: one person must never be able to put words on the page.
    threshold: Math.max(2, Math.floor(positive(vars.REPORT_SIGNAL_THRESHOLD, reportSignalDefaults.threshold))),
    windowMinutes: Math.min(24 * 60, positive(vars.REPORT_SIGNAL_MINUTES, reportSignalDefaults.windowMinutes)),
  };
}

export interface ReportSignalInput {
  settings: ReportSignalSettings;
  now: number;
  /** Reports per component within the window (non-duplicate). */
  counts: ReadonlyArray<{ componentId: string; count: number }>;
  components: ReadonlyArray<{ id: string; name: string }>;
  optedIn: ReadonlySet<string>;
  /** Staff taps still in force: what to name and until when. */
  shown: ReadonlyArray<{ subjectKey: string; label: string; until: string }>;
}

export interface ReportSignalNotice {
  subjectKey: string;
  label: string;
  reason: "opted-in" | "staff";
}

export function noticeText(label: string): string {
  return `We are receiving reports of problems with ${label} and are investigating.`;
}

export function reportSignalNotices(input: ReportSignalInput): ReportSignalNotice[] {
  const names = new Map(input.components.map((c) => [c.id, c.name]));
  const out: ReportSignalNotice[] = [];
  const seen = new Set<string>();
  for (const s of input.shown) {
    if (Date.parse(s.until) <= input.now || seen.has(s.subjectKey)) continue;
    seen.add(s.subjectKey);
    out.push({ subjectKey: s.subjectKey, label: s.label, reason: "staff" });
  }
  for (const c of input.counts) {
    const key = `component:${c.componentId}`;
    const name = names.get(c.componentId);
    if (!name || !input.optedIn.has(c.componentId) || c.count < input.settings.threshold || seen.has(key)) continue;
    seen.add(key);
    out.push({ subjectKey: key, label: name, reason: "opted-in" });
  }
  return out;
}

/** Components past the threshold that are not opted in: what the console offers to show. */
export function pendingSignals(input: ReportSignalInput): Array<{ componentId: string; name: string; count: number }> {
  const shown = new Set(reportSignalNotices(input).map((n) => n.subjectKey));
  const names = new Map(input.components.map((c) => [c.id, c.name]));
  return input.counts
    .filter((c) => c.count >= input.settings.threshold && names.has(c.componentId) && !shown.has(`component:${c.componentId}`))
    .map((c) => ({ componentId: c.componentId, name: names.get(c.componentId)!, count: c.count }));
}
