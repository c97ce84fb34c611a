// Which alert a new report belongs to: pure, so the rules are tested as a table.
// A storm of reports about one outage must page people once, yet two different problems must
// never hide inside one alert. The rules:
//   - only alerts still open (triggered or acknowledged) whose last report came within the
//     window are candidates (a sliding window: a steady storm stays one alert);
//   - the same component groups;
//   - two different named components never group (they may route to different people);
//   - otherwise (either side without a component) a similar subject groups: the share of
//     significant words in common (Jaccard) is at least SUBJECT_SIMILARITY.

export const GROUP_WINDOW_MINUTES = 30;
export const SUBJECT_SIMILARITY = 0.5;

export interface GroupableReport {
  componentId: string | null;
  subject: string;
}

export interface OpenAlert extends GroupableReport {
  id: string;
  createdAt: string;
  lastReportAt: string;
}

// Words that say nothing about which problem it is.
const STOP_WORDS = new Set(
  "the a an and or of to in on at for is are was were be been not no it its this that with from my our your we you i me can cant cannot does doesnt dont do has have had any all since still again please help urgent issue problem".split(
    " ",
  ),
);

/** The significant words of a subject: lowercase letters and digits, stop words dropped. */
export function subjectWords(subject: string): Set<string> {
  const words = subject
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/['’]/g, "")
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length >= 2 && !STOP_WORDS.has(w));
  return new Set(words);
}

export function subjectSimilarity(a: string, b: string): number {
  const wa = subjectWords(a);
  const wb = subjectWords(b);
  if (wa.size === 0 || wb.size === 0) return 0;
  let common = 0;
  for (const w of wa) if (wb.has(w)) common++;
  return common / (wa.size + wb.size - common);
}

export function belongsTogether(report: GroupableReport, alert: GroupableReport): boolean {
  if (report.componentId && alert.componentId) return report.componentId === alert.componentId;
  return subjectSimilarity(report.subject, alert.subject) >= SUBJECT_SIMILARITY;
}

/** The alert the report joins, or null when it raises a new one. The most recently active
 * matching alert wins; ties go to the oldest (the one everybody else joined). */
export function chooseAlert(report: GroupableReport, open: readonly OpenAlert[], now: Date): OpenAlert | null {
  const since = new Date(now.getTime() - GROUP_WINDOW_MINUTES * 60_000).toISOString();
  const matches = open.filter((a) => a.lastReportAt >= since && belongsTogether(report, a));
  matches.sort((x, y) => (x.lastReportAt === y.lastReportAt ? x.createdAt.localeCompare(y.createdAt) || x.id.localeCompare(y.id) : y.lastReportAt.localeCompare(x.lastReportAt)));
  return matches[0] ?? null;
}

/** A label for the alert's group (shown to staff, used to spot races between raisers). */
export function groupKeyFor(report: GroupableReport): string {
  if (report.componentId) return `component:${report.componentId}`;
  return `subject:${[...subjectWords(report.subject)].sort().join(" ").slice(0, 200)}`;
}
