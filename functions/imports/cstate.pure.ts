// From a cState site (a Hugo site: systems and categories in config.yml's `params`, incidents
// as Markdown files with YAML front matter in content/issues/) to the import document. The
// caller reads the files and parses the YAML (the Node CLI, with the `yaml` package); this
// module only maps. Erasable TypeScript: the Node CLI imports it as it is.
//
// cState's front matter: title, date, resolved, resolvedWhen, severity (down | disrupted |
// notice), affected (system names), section: issue, draft, informational. A body may hold
// several updates, newest first, each starting `*Status* -` (or `**Status** -`), optionally
// timed with the shortcode {{< track "2023-02-24 10:35:00" >}}.
import type { ImportDocumentInput } from "../../contract/import";

export interface CstateIssueFile {
  /** The file's name, e.g. "2018-05-25-us-east-conn-issues.md": the incident's source id. */
  file: string;
  frontMatter: Record<string, unknown>;
  body: string;
}

export interface CstateSite {
  /** Names the source: cstate:<name> (the site's host, or its folder's name). */
  name: string;
  /** config.yml (or its `params`), parsed. */
  config: Record<string, unknown>;
  issues: CstateIssueFile[];
}

const impactOf: Record<string, "critical" | "major" | "minor" | "none"> = { down: "major", disrupted: "minor", notice: "none" };

const updateStatusOf: Record<string, "investigating" | "identified" | "monitoring" | "resolved"> = {
  investigating: "investigating",
  identified: "identified",
  monitoring: "monitoring",
  resolved: "resolved",
  fixed: "resolved",
  completed: "resolved",
  done: "resolved",
};

/** A name as Hugo's urlize makes it: the system's id and how `affected` entries match it. */
export function slug(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .trim()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/**
 * cState dates: "2018-04-25 04:13:00", "2018-04-25T04:13:00Z", "2023-02-24 10:35:00 +0200", or a
 * date the YAML parser already made. Without a zone they are UTC (Hugo's default).
 */
export function cstateTime(value: unknown, where: string): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new Error(`${where}: not a date`);
    return value.toISOString();
  }
  if (typeof value !== "string") throw new Error(`${where}: missing or not a date`);
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2})(?::(\d{2}))?(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(value.trim());
  if (!m) throw new Error(`${where}: "${value}" is not a date like 2018-04-25 04:13:00`);
  const zone = !m[4] || m[4].toUpperCase() === "Z" ? "Z" : m[4].length === 5 ? `${m[4].slice(0, 3)}:${m[4].slice(3)}` : m[4];
  const iso = `${m[1]}T${m[2] ?? "00:00"}:${m[3] ?? "00"}${zone}`;
  const t = Date.parse(iso);
  // Date.parse rolls 2023-02-30 over into March: a day that does not exist is refused.
  if (Number.isNaN(t) || new Date(`${m[1]}T00:00:00Z`).toISOString().slice(0, 10) !== m[1]) throw new Error(`${where}: "${value}" is not a real date`);
  return new Date(t).toISOString();
}

const TRACK = /\{\{<\s*track\s+"([^"]+)"\s*>\}\}/;
const SHORTCODE = /\{\{<[^>]*>\}\}/g;
const UPDATE_START = /^\s*\*{1,2}([A-Za-z][A-Za-z ]{0,30}?)\*{1,2}\s*[-–—:]\s*/;

/** The updates of an issue's body, oldest first. */
export function cstateUpdates(
  body: string,
  issue: { file: string; date: string; resolved: boolean; resolvedWhen: string | null },
): Array<{ id: string; status: "investigating" | "identified" | "monitoring" | "resolved"; body: string; created_at: string }> {
  const segments: Array<{ label: string | null; text: string }> = [];
  for (const paragraph of body.replace(/\r\n?/g, "\n").split(/\n\s*\n/)) {
    const m = UPDATE_START.exec(paragraph);
    if (m) segments.push({ label: m[1]!.trim().toLowerCase(), text: paragraph.slice(m[0].length) });
    else if (segments.length > 0) segments.at(-1)!.text += `\n\n${paragraph}`;
    else segments.push({ label: null, text: paragraph });
  }
  const written = segments.filter((s) => s.text.replace(SHORTCODE, "").trim() !== "" || s.label);
  // Newest first in the file; oldest first here. An update without its own time is the
  // resolution (at resolvedWhen) when it says resolved, else the issue's start.
  const oldestFirst = written.reverse();
  const out = oldestFirst.map((s, i) => {
    // Text without a status label is what was said first; a resolved issue gets its resolution below.
    const status = s.label ? (updateStatusOf[s.label] ?? "investigating") : "investigating";
    const track = TRACK.exec(s.text)?.[1];
    const at = track
      ? cstateTime(track, `${issue.file}: track`)
      : status === "resolved" && issue.resolvedWhen
        ? issue.resolvedWhen
        : issue.date;
    const text = s.text.replace(SHORTCODE, "").trim();
    return { id: `${issue.file}#${i + 1}`, status, body: text || (status === "resolved" ? "Resolved." : "Investigating."), created_at: at };
  });
  if (out.length === 0) out.push({ id: `${issue.file}#1`, status: issue.resolved ? "resolved" : "investigating", body: issue.resolved ? "Resolved." : "Investigating.", created_at: issue.resolved && issue.resolvedWhen ? issue.resolvedWhen : issue.date });
  // A resolved issue whose last update does not say so gets the resolution it implies.
  if (issue.resolved && out.at(-1)!.status !== "resolved") {
    out.push({ id: `${issue.file}#resolved`, status: "resolved", body: "Resolved.", created_at: issue.resolvedWhen ?? out.at(-1)!.created_at });
  }
  return out.sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0));
}

interface CstateSystem {
  name: string;
  description?: string | null;
  category?: string | null;
}

function listOf<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

export function cstateDocument(site: CstateSite): ImportDocumentInput {
  const params = (typeof site.config.params === "object" && site.config.params !== null ? site.config.params : site.config) as Record<string, unknown>;
  const categories = listOf<{ name?: unknown; description?: unknown }>(params.categories).filter((c) => typeof c?.name === "string");
  const systems = listOf<CstateSystem>(params.systems).filter((s) => typeof s?.name === "string");

  const groups = new Map<string, { id: string; name: string; description: string | null; position: number }>();
  for (const c of categories) groups.set(slug(String(c.name)), { id: slug(String(c.name)), name: String(c.name), description: typeof c.description === "string" ? c.description : null, position: groups.size + 1 });
  for (const s of systems) {
    if (s.category && !groups.has(slug(s.category))) groups.set(slug(s.category), { id: slug(s.category), name: s.category, description: null, position: groups.size + 1 });
  }

  const components = new Map<string, { id: string; name: string; description: string | null; group_id: string | null; position: number }>();
  for (const s of systems) {
    components.set(slug(s.name), { id: slug(s.name), name: s.name, description: typeof s.description === "string" ? s.description.trim() : null, group_id: s.category ? slug(s.category) : null, position: components.size + 1 });
  }
  const systemsIn = (groupId: string) => [...components.values()].filter((c) => c.group_id === groupId).map((c) => c.id);

  /** `affected` names systems; a category's name stands for its systems; anything else becomes a component of its own. */
  const affectedIds = (names: unknown): string[] => {
    const ids = new Set<string>();
    for (const raw of listOf<unknown>(names)) {
      if (typeof raw !== "string" || raw.trim() === "") continue;
      const key = slug(raw);
      if (components.has(key)) ids.add(key);
      else if (groups.has(key) && systemsIn(key).length > 0) for (const id of systemsIn(key)) ids.add(id);
      else {
        components.set(key, { id: key, name: raw.trim(), description: null, group_id: null, position: components.size + 1 });
        ids.add(key);
      }
    }
    return [...ids];
  };

  const incidents = site.issues
    .filter((f) => f.frontMatter.draft !== true)
    .map((f) => {
      const fm = f.frontMatter;
      const id = f.file.replace(/\.md$/i, "");
      if (typeof fm.title !== "string" || fm.title.trim() === "") throw new Error(`${f.file}: the front matter has no title`);
      const date = cstateTime(fm.date, `${f.file}: date`);
      const resolved = fm.resolved === true;
      const resolvedWhen = resolved && fm.resolvedWhen !== undefined && fm.resolvedWhen !== null && fm.resolvedWhen !== "" ? cstateTime(fm.resolvedWhen, `${f.file}: resolvedWhen`) : null;
      const updates = cstateUpdates(f.body, { file: id, date, resolved, resolvedWhen });
      const last = updates.at(-1)!;
      return {
        id,
        kind: "incident" as const,
        name: fm.title.trim(),
        status: resolved ? ("resolved" as const) : last.status,
        impact: impactOf[String(fm.severity ?? "").toLowerCase()] ?? "minor",
        created_at: date,
        updated_at: last.created_at > date ? last.created_at : date,
        started_at: date,
        monitoring_at: null,
        resolved_at: resolved ? (resolvedWhen ?? last.created_at) : null,
        components: affectedIds(fm.affected),
        updates,
      };
    })
    .sort((a, b) => (a.created_at < b.created_at ? -1 : 1));

  return {
    source: `cstate:${slug(site.name) || "site"}`,
    groups: [...groups.values()],
    components: [...components.values()],
    incidents,
  };
}

/** A Markdown file's YAML front matter (between `---` lines) and its body. */
export function splitFrontMatter(text: string, file: string): { yaml: string; body: string } {
  const m = /^\uFEFF?---\s*\r?\n([\s\S]*?)\r?\n---\s*(?:\r?\n|$)([\s\S]*)$/.exec(text);
  if (!m) throw new Error(`${file}: no front matter (a cState issue starts with a --- block)`);
  return { yaml: m[1]!, body: m[2]! };
}
