// Where each page and file of the public site lives on the mirror, and how it is served there.
//
// A snapshot file is named by its mirror path: the address a reader types on the mirror. It is
// the live address except where a static host cannot follow the live one: `/history?page=2`
// (static hosts ignore query strings) is `/history/2`. Two layouts map paths to stored names:
//   - "object-store" (S3 and its kin): a page keeps its address as its key, without an
//     extension (`incidents/inc_1`); the object's Content-Type says it is HTML. Every live URL
//     works on the mirror unchanged.
//   - "files" (GitHub Pages, `npm run mirror -- export`): a page is `incidents/inc_1.html`,
//     which those hosts serve at `/incidents/inc_1`.

export type Layout = "object-store" | "files";

/** The home page: uploaded last, so a reader never follows a link to a file not there yet. */
export const INDEX_PATH = "/";
/** The error document static hosts answer a missing address with (S3 website, GitHub Pages). */
export const NOT_FOUND_PATH = "/404";
/** The incident page as a template (title and detail empty), for break-glass posts from a laptop. */
export const INCIDENT_TEMPLATE_PATH = "/_mirror/incident";
/** What the target holds and with which content hashes; and the break-glass log. */
export const MANIFEST_KEY = "_mirror/manifest.json";
export const BREAK_GLASS_KEY = "_mirror/break-glass.json";

/** Files of the mirror that are data, not pages: the Statuspage API, feeds, badge, embed. */
export const DATA_PATHS = [
  "/api/v2/summary.json",
  "/api/v2/status.json",
  "/api/v2/components.json",
  "/api/v2/incidents.json",
  "/api/v2/incidents/unresolved.json",
  "/api/v2/scheduled-maintenances.json",
  "/api/v2/scheduled-maintenances/upcoming.json",
  "/api/v2/scheduled-maintenances/active.json",
  "/history.atom",
  "/history.rss",
  "/badge.svg",
  "/embed.js",
] as const;

/** Where the snapshot starts; everything else is found by following links from these. */
export const SEED_PATHS: readonly string[] = [INDEX_PATH, "/history", NOT_FOUND_PATH, INCIDENT_TEMPLATE_PATH, ...DATA_PATHS];

const PAGE_PATTERNS = [/^\/$/, /^\/history$/, /^\/history\/[1-9][0-9]{0,3}$/, /^\/incidents\/[A-Za-z0-9_-]{1,64}$/, /^\/maintenance\/[A-Za-z0-9_-]{1,64}$/, /^\/postmortems\/[a-z0-9][a-z0-9-]{0,99}$/];
/** Addresses only the Worker can answer (forms, private views, staff, webhooks): never mirrored. */
const WORKER_ONLY = /^\/(report|r|admin|ack|subscribe|files|hooks|heartbeat|api\/admin|api\/reports|healthz|cdn-cgi)(\/|$)/;
const STATIC_FILE = /^\/(?:[A-Za-z0-9_.-]+\/)*[A-Za-z0-9_-][A-Za-z0-9_.-]*\.[A-Za-z0-9]{1,8}$/;

export type PathKind = "page" | "data" | "asset";

/**
 * The mirror path of a link found on a page, or null when the mirror does not carry it (another
 * site, mailto:, a form, a private page). Fragments are dropped; `/history?page=N` becomes
 * `/history/N` (page 1 is `/history`); any other query string is not mirrored.
 */
export function mirrorPathOf(href: string): string | null {
  if (!href.startsWith("/") || href.startsWith("//")) return null;
  const [withoutHash] = href.split("#") as [string];
  const [path, query] = withoutHash.split("?") as [string, string | undefined];
  if (query !== undefined) {
    const page = /^page=([1-9][0-9]{0,3})$/.exec(query);
    if (path !== "/history" || !page) return null;
    return page[1] === "1" ? "/history" : `/history/${page[1]}`;
  }
  return kindOf(path) ? path : null;
}

/** What the mirror path is, or null when it is nothing the mirror carries. */
export function kindOf(path: string): PathKind | null {
  if (path === NOT_FOUND_PATH || path === INCIDENT_TEMPLATE_PATH) return "page";
  if ((DATA_PATHS as readonly string[]).includes(path)) return "data";
  if (WORKER_ONLY.test(path) || path.includes("..")) return null;
  if (PAGE_PATTERNS.some((p) => p.test(path))) return "page";
  return STATIC_FILE.test(path) ? "asset" : null;
}

/** The live address that renders a mirror path (`/history/2` is `/history?page=2`). */
export function livePathOf(path: string): string {
  const page = /^\/history\/([1-9][0-9]{0,3})$/.exec(path);
  return page ? `/history?page=${page[1]}` : path;
}

/** The stored name of a mirror path in a layout. */
export function keyOf(path: string, layout: Layout): string {
  if (path === INDEX_PATH) return "index.html";
  if (path === NOT_FOUND_PATH) return "404.html";
  if (path === INCIDENT_TEMPLATE_PATH) return "_mirror/incident.html";
  const name = path.slice(1);
  return kindOf(path) === "page" && layout === "files" ? `${name}.html` : name;
}

/** Cache-Control on the mirror: pages and data for a minute (a break-glass post must show
 * soon), static assets for an hour, the bookkeeping never. */
export function cacheControlOf(key: string): string {
  if (key.startsWith("_mirror/") && key.endsWith(".json")) return "no-cache";
  const path = `/${key}`;
  if (key.endsWith(".html") || kindOf(path) === "page" || kindOf(path) === "data") return "public, max-age=60";
  return "public, max-age=3600";
}

/**
 * The order of uploads for a non-atomic target: static assets, then pages (each can link only
 * to what is already there, or will be by the time the index is), then data, the manifest, and
 * the index last. Reader-visible changes therefore appear when the index does.
 */
export function uploadRank(key: string): number {
  if (key === "index.html") return 5;
  if (key === MANIFEST_KEY) return 4;
  if (kindOf(`/${key}`) === "data") return 3;
  if (key.endsWith(".html") || kindOf(`/${key}`) === "page") return 2;
  return 1;
}

/** Is this content text (uploaded to GitHub inline) rather than bytes? */
export function isText(contentType: string): boolean {
  return /^text\/|^application\/(json|javascript|(atom|rss)\+xml|xml)|^image\/svg\+xml/.test(contentType);
}
