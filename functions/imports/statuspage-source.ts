// Reads a Statuspage page's public v2 API over HTTP (used by `npm run hub -- import statuspage`
// in Node, and by the tests against a loopback server that serves a recorded API).
import type { ImportDocumentInput } from "../../contract/import";
import { StatuspageComponents, StatuspageIncidents, StatuspageMaintenances, StatuspageSummary, statuspageDocument, statuspagePaths } from "./statuspage.pure";

const TIMEOUT_MS = 20_000;

async function getJson(url: string, fetchImpl: typeof fetch): Promise<unknown> {
  let res: Response;
  try {
    res = await fetchImpl(url, { headers: { accept: "application/json" }, redirect: "follow", signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    throw new Error(`${url}: no answer (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}${res.status === 404 ? " (is this a Statuspage page? its public API lives under /api/v2/)" : ""}`);
  try {
    return await res.json();
  } catch {
    throw new Error(`${url}: the answer is not JSON`);
  }
}

function parse<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } } }, value: unknown, url: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new Error(`${url} is not a Statuspage v2 answer: ${issue.path.map(String).join(".") || "(root)"}: ${issue.message}`);
}

/** The import document of the Statuspage page at `base` (e.g. https://status.example.com). */
export async function readStatuspage(base: string, fetchImpl: typeof fetch = fetch): Promise<{ document: ImportDocumentInput; pageName: string | null }> {
  const root = base.replace(/\/+$/, "");
  const url = (path: string) => `${root}${path}`;
  const [summary, components, incidents, maintenances] = await Promise.all(
    Object.values(statuspagePaths).map((path) => getJson(url(path), fetchImpl)),
  );
  const api = {
    summary: parse(StatuspageSummary, summary, url(statuspagePaths.summary)),
    components: parse(StatuspageComponents, components, url(statuspagePaths.components)),
    incidents: parse(StatuspageIncidents, incidents, url(statuspagePaths.incidents)),
    maintenances: parse(StatuspageMaintenances, maintenances, url(statuspagePaths.maintenances)),
  };
  return { document: statuspageDocument(api, new URL(root).host), pageName: api.summary.page.name ?? null };
}
