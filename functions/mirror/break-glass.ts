// Break glass from a laptop: post an incident update straight to the mirror, with the mirror's
// credentials and without the Worker (`npm run hub -- mirror post "..."`, Node, which imports
// this module as TypeScript). It appends the post to the target's break-glass log, then patches
// the files the Worker last published there: the home page gets the update (markup from the
// same renderers as the live page: status/render.ts), the summary and incident JSON get the
// incident (status/statuspage.pure.ts, so the embed's fallback shows it too), and the incident
// gets its page from the mirror's incident template. The next publish by the Worker imports the
// log (import.ts), so nothing posted here is lost, and replaces these patches with its own
// rendering of the same record.
import { siteConfig } from "../../site.config";
import type { ComponentStatus, Impact } from "../../contract/status";
import { escapeHtml, html } from "../platform/html";
import { overallIndicator } from "../status/indicator.pure";
import type { Incident } from "../status/model.pure";
import { incidentDetailHtml, incidentSummary, sectionHtml, timeHtml } from "../status/render";
import { incidentJson, type IncidentJson } from "../status/statuspage.pure";
import {
  BreakGlassEntry,
  breakGlassIncidents,
  incidentToContinue,
  MAX_ENTRIES,
  parseBreakGlassLog,
  replaceBetween,
  replaceIndicator,
  replaceTitle,
  type BreakGlassLog,
} from "./break-glass.pure";
import { orderForUpload, parseManifest, type Manifest, type MirrorFile } from "./manifest.pure";
import { BREAK_GLASS_KEY, cacheControlOf, INCIDENT_TEMPLATE_PATH, INDEX_PATH, keyOf, MANIFEST_KEY } from "./paths.pure";
import { decode } from "./publish";
import { sha256Hex, type MirrorTarget } from "./targets/types";

export interface BreakGlassPost {
  /** What readers should know, as staff would write an update. */
  text: string;
  /** The incident's title (default: the incident's, or the text's first line). */
  title?: string;
  status?: "investigating" | "identified" | "monitoring" | "resolved";
  impact?: "none" | "minor" | "major" | "critical";
  /** Start a new incident even when one posted earlier is still open. */
  newIncident?: boolean;
  /** Add to this break-glass incident (inc_bg...). */
  incident?: string;
}

export interface PostResult {
  incidentId: string;
  updateId: string;
  /** What was written, in order. */
  written: string[];
}

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** A break-glass id: the prefix and 12 random lower-case letters and digits. */
export function breakGlassId(prefix: "inc_bg" | "upd_bg"): string {
  return prefix + Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => ALPHABET[b % ALPHABET.length]).join("");
}

async function readText(target: MirrorTarget, key: string): Promise<string | null> {
  return decode(await target.read(key));
}

async function readJson(target: MirrorTarget, key: string): Promise<Record<string, unknown> | null> {
  const text = await readText(target, key);
  if (text === null) return null;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** The entry this post adds to the log. */
export function newEntry(log: BreakGlassLog, post: BreakGlassPost, now: Date, ids: { incident: () => string; update: () => string }): BreakGlassEntry {
  const incident = post.incident ?? (post.newIncident ? null : incidentToContinue(log.entries)) ?? ids.incident();
  const earlier = log.entries.filter((e) => e.incident === incident);
  const previous = earlier[earlier.length - 1];
  const firstLine = post.text.trim().split("\n")[0]!.slice(0, 120);
  const parsed = BreakGlassEntry.safeParse({
    id: ids.update(),
    incident,
    at: now.toISOString(),
    name: post.title ?? earlier[0]?.name ?? firstLine,
    status: post.status ?? previous?.status ?? "investigating",
    impact: post.impact ?? previous?.impact ?? "major",
    body: post.text,
  });
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join(".") || "post"}: ${i.message}`).join("; "));
  return parsed.data;
}

function incidentsOf(json: Record<string, unknown> | null, field: string): IncidentJson[] {
  const value = json?.[field];
  return Array.isArray(value) ? (value as IncidentJson[]) : [];
}

export async function postToMirror(target: MirrorTarget, post: BreakGlassPost, now: Date, ids = { incident: () => breakGlassId("inc_bg"), update: () => breakGlassId("upd_bg") }): Promise<PostResult> {
  const manifest: Manifest | null = parseManifest(await readText(target, MANIFEST_KEY));
  if (!manifest) throw new Error(`${target.description} has no mirror yet (no ${MANIFEST_KEY}): the Worker must publish it once before anything can be posted there.`);
  const { log } = parseBreakGlassLog(await readText(target, BREAK_GLASS_KEY));
  const entry = newEntry(log, post, now, ids);
  const entries = [...log.entries, entry];
  if (entries.length > MAX_ENTRIES) throw new Error(`The break-glass log already holds ${MAX_ENTRIES} posts; let the Worker import them first.`);

  const key = (path: string) => keyOf(path, target.layout);
  const [indexPage, template, summary, incidentsFile, unresolvedFile, statusFile] = await Promise.all([
    readText(target, key(INDEX_PATH)),
    readText(target, key(INCIDENT_TEMPLATE_PATH)),
    readJson(target, key("/api/v2/summary.json")),
    readJson(target, key("/api/v2/incidents.json")),
    readJson(target, key("/api/v2/incidents/unresolved.json")),
    readJson(target, key("/api/v2/status.json")),
  ]);
  if (indexPage === null || template === null || summary === null) throw new Error(`${target.description} is missing the home page, the incident template or summary.json: publish the mirror from the Worker first.`);

  // Posts the Worker has imported are in its own pages already; the rest are shown here.
  const imported = new Set(incidentsOf(incidentsFile, "incidents").flatMap((i) => i.incident_updates.map((u) => u.id)));
  const pendingIncidents = new Set(entries.filter((e) => !imported.has(e.id)).map((e) => e.incident));
  const incidents: Incident[] = breakGlassIncidents(entries).filter((i) => pendingIncidents.has(i.id));
  const open = incidents.filter((i) => i.status !== "resolved");
  const asJson = (i: Incident) => incidentJson(i, new Map(), manifest.mirrorUrl);
  const posted = new Set(incidents.map((i) => i.id));
  const others = (list: IncidentJson[]) => list.filter((i) => !posted.has(i.id));

  // The page-wide status as the live indicator computes it, with the posted incidents in.
  const components = (Array.isArray(summary.components) ? summary.components : []) as Array<{ status: string; group?: boolean }>;
  const summaryIncidents = [...open.map(asJson), ...others(incidentsOf(summary, "incidents"))];
  const maintenances = incidentsOf(summary, "scheduled_maintenances");
  const status = overallIndicator({
    componentStatuses: components.filter((c) => !c.group).map((c) => c.status as ComponentStatus),
    unresolvedIncidentImpacts: summaryIncidents.map((i) => i.impact as Impact),
    maintenanceInProgress: maintenances.some((m) => m.status === "in_progress" || m.status === "verifying"),
  });
  const page = { ...(summary.page as object), updated_at: entry.at };

  const files = new Map<string, string>();
  files.set(BREAK_GLASS_KEY, `${JSON.stringify({ format: 1, entries }, null, 1)}\n`);
  for (const incident of incidents) {
    let text = replaceTitle(template, escapeHtml(`${incident.name} · ${siteConfig.name} status`));
    text = replaceBetween(text, "title", escapeHtml(incident.name));
    text = replaceBetween(text, "detail", incidentDetailHtml(incident, new Map()).toString());
    text = replaceBetween(text, "updated", html`Status last changed ${timeHtml(incident.updatedAt)}`.toString());
    files.set(key(`/incidents/${incident.id}`), text);
  }
  const json = (value: unknown) => `${JSON.stringify(value)}`;
  files.set(key("/api/v2/summary.json"), json({ ...summary, page, incidents: summaryIncidents, status }));
  files.set(key("/api/v2/status.json"), json({ ...(statusFile ?? {}), page, status }));
  files.set(key("/api/v2/incidents.json"), json({ ...(incidentsFile ?? {}), page, incidents: [...incidents.map(asJson), ...others(incidentsOf(incidentsFile, "incidents"))].slice(0, 50) }));
  files.set(key("/api/v2/incidents/unresolved.json"), json({ ...(unresolvedFile ?? {}), page, incidents: [...open.map(asJson), ...others(incidentsOf(unresolvedFile, "incidents"))] }));
  let home = replaceBetween(indexPage, "urgent", html`<section class="urgent">${sectionHtml("Posted during the outage", incidents.map(incidentSummary))}</section>`.toString());
  home = replaceBetween(home, "overall-status", escapeHtml(status.description));
  files.set(key(INDEX_PATH), replaceIndicator(home, status.indicator));

  const put: MirrorFile[] = [];
  const updated: Manifest = { ...manifest, files: { ...manifest.files } };
  for (const [k, text] of files) {
    const body = new TextEncoder().encode(text);
    const contentType = manifest.files[k]?.type ?? (k.endsWith(".json") ? "application/json; charset=utf-8" : "text/html; charset=utf-8");
    const sha256 = await sha256Hex(body);
    put.push({ key: k, body, contentType, cacheControl: cacheControlOf(k), sha256 });
    // The log is not the Worker's to remove; everything else is its to replace on its next publish.
    if (k !== BREAK_GLASS_KEY) updated.files[k] = { sha256, size: body.byteLength, type: contentType };
  }
  const manifestBody = new TextEncoder().encode(`${JSON.stringify(updated, null, 1)}\n`);
  put.push({ key: MANIFEST_KEY, body: manifestBody, contentType: "application/json", cacheControl: cacheControlOf(MANIFEST_KEY), sha256: await sha256Hex(manifestBody) });
  // The log first (the record), the home page last (what readers see), as a publish orders them.
  const ordered = orderForUpload(put);
  await target.write(ordered, [], `Break-glass post: ${entry.name}: ${entry.status}`);
  return { incidentId: entry.incident, updateId: entry.id, written: ordered.map((f) => f.key) };
}
