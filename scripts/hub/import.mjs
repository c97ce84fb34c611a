// `npm run hub -- import statuspage <url>` and `import cstate <folder>`: another status page's
// components, groups, incidents with their updates and maintenance, through the staff API's
// POST /api/admin/import (so it works against production with --url too). Idempotent: the
// Worker remembers the source's ids, and a second run changes nothing.
import "../lib/ts.mjs";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { commonUsage, parse, print, withStaffApi } from "../lib/hub.mjs";

const { readStatuspage } = await import("../../functions/imports/statuspage-source.ts");
const { cstateDocument, splitFrontMatter } = await import("../../functions/imports/cstate.pure.ts");
const { ImportDocument, importLimits } = await import("../../contract/import.ts");

export const summary = "import a Statuspage page or a cState site";
export const usage = `Usage:
  npm run hub -- import statuspage <https://status.example.com> [--dry-run]
  npm run hub -- import cstate <path/to/site> [--name status.example.com] [--dry-run]

  statuspage reads the page's public v2 API (summary, components, incidents, scheduled
  maintenances); cstate reads config.yml and content/issues/*.md of a cState (Hugo) site.
  Dates are kept. Running it again imports only what is new at the source.
  --dry-run   read and check everything, print what would be sent, send nothing

${commonUsage}`;

const options = {
  "dry-run": { type: "boolean", default: false },
  name: { type: "string" },
};

function readCstate(folder, name) {
  const root = resolve(folder);
  const configFile = ["config.yml", "config.yaml", "hugo.yml", "hugo.yaml"].map((f) => join(root, f)).find((f) => existsSync(f));
  if (!configFile) throw new Error(`${root}: no config.yml (or hugo.yml): is this a cState site's folder?`);
  const config = parseYaml(readFileSync(configFile, "utf8")) ?? {};
  const issuesDir = join(root, "content", "issues");
  if (!existsSync(issuesDir)) throw new Error(`${root}: no content/issues folder: is this a cState site's folder?`);
  const issues = readdirSync(issuesDir)
    .filter((f) => f.toLowerCase().endsWith(".md") && !f.startsWith("_"))
    .sort()
    .map((file) => {
      const { yaml, body } = splitFrontMatter(readFileSync(join(issuesDir, file), "utf8"), file);
      let frontMatter;
      try {
        frontMatter = parseYaml(yaml) ?? {};
      } catch (err) {
        throw new Error(`${file}: the front matter is not valid YAML (${err.message.split("\n")[0]})`);
      }
      return { file, frontMatter, body };
    });
  let siteName = name;
  if (!siteName && typeof config.baseURL === "string") {
    try {
      siteName = new URL(config.baseURL).host;
    } catch {
      // not a URL: the folder's name below
    }
  }
  return cstateDocument({ name: siteName || basename(root), config, issues });
}

/**
 * Cuts a document into calls the API takes (incidents and bytes per call): components and
 * groups go with the first; later calls name them by their source ids, which the Worker has
 * mapped by then.
 */
function parts(doc) {
  const out = [];
  let current = { source: doc.source, groups: doc.groups, components: doc.components, incidents: [] };
  const budget = importLimits.bodyBytes * 0.8;
  let size = JSON.stringify(current).length;
  for (const incident of doc.incidents) {
    const n = JSON.stringify(incident).length + 1;
    if (current.incidents.length > 0 && (current.incidents.length >= importLimits.incidents || size + n > budget)) {
      out.push(current);
      current = { source: doc.source, groups: [], components: [], incidents: [] };
      size = JSON.stringify(current).length;
    }
    current.incidents.push(incident);
    size += n;
  }
  out.push(current);
  return out;
}

function add(total, s) {
  for (const group of ["created", "updated", "unchanged"]) for (const [k, v] of Object.entries(s[group])) total[group][k] = (total[group][k] ?? 0) + v;
  return total;
}

function describe(s) {
  const c = s.created;
  const made = `${c.groups} group(s), ${c.components} component(s), ${c.incidents} incident(s), ${c.maintenances} maintenance(s), ${c.updates} update(s)`;
  const already = s.unchanged.groups + s.unchanged.components + s.unchanged.incidents;
  const nothing = Object.values(c).every((n) => n === 0) && s.updated.incidents === 0;
  return [
    `Imported from ${s.source}: ${nothing ? "nothing new" : made}.`,
    ...(s.updated.incidents > 0 ? [`  ${s.updated.incidents} incident(s) imported before had new updates.`] : []),
    ...(already > 0 ? [`  Already imported, unchanged: ${s.unchanged.groups} group(s), ${s.unchanged.components} component(s), ${s.unchanged.incidents} incident(s).`] : []),
  ].join("\n");
}

export async function run(args) {
  const { values, positionals } = parse(args, options, usage);
  const [kind, from] = positionals;
  if (!kind || !from || positionals.length > 2) throw new Error(`import needs a kind and where to read from.\n\n${usage}`);
  let document;
  if (kind === "statuspage") {
    let url;
    try {
      url = new URL(from);
    } catch {
      throw new Error(`${from} is not a URL; give the page's address, e.g. https://status.example.com`);
    }
    if (!/^https?:$/.test(url.protocol)) throw new Error(`${from}: use an http(s) address`);
    ({ document } = await readStatuspage(url.origin + url.pathname.replace(/\/+$/, "")));
  } else if (kind === "cstate") {
    document = readCstate(from, values.name);
  } else {
    throw new Error(`Unknown kind "${kind}": use statuspage or cstate.\n\n${usage}`);
  }
  // Checked here as the Worker will check it, so a problem is named before anything is sent.
  const checked = ImportDocument.safeParse(document);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new Error(`The ${kind} data does not fit the import: ${issue.path.join(".")}: ${issue.message}`);
  }
  const calls = parts(document);
  if (values["dry-run"]) {
    const counts = { groups: document.groups.length, components: document.components.length, incidents: document.incidents.length, updates: document.incidents.reduce((n, i) => n + i.updates.length, 0) };
    print(values, { document, calls: calls.length }, `Read ${document.source}: ${counts.groups} group(s), ${counts.components} component(s), ${counts.incidents} incident(s) and maintenance(s), ${counts.updates} update(s). Nothing sent (--dry-run); it would take ${calls.length} call(s).`);
    return;
  }
  await withStaffApi(values, async (call) => {
    let total = { source: document.source, created: {}, updated: {}, unchanged: {} };
    for (const part of calls) total = add(total, await call("POST", "/api/admin/import", part));
    print(values, total, describe(total));
  });
}
