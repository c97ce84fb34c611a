// `npm run check` step: the layering rules (docs/architecture.md, "Layering, checked by a
// machine"). dependency-cruiser checks the imports with .dependency-cruiser.cjs; this script adds
// what it cannot see:
//   - imports in .astro files (dependency-cruiser does not read them), under site-not-to-worker;
//   - I/O, bindings, randomness and clocks used inside *.pure.ts modules (pure-no-io), which
//     are calls and names, not imports.
// Known violations (.dependency-cruiser-known-violations.json, dependency-cruiser's baseline
// format) do not fail the check; the script applies them to every rule itself, because
// `--ignore-known` skips folder-level rules such as capabilities-no-cycle.
//
//   node scripts/check-layering.mjs            check the repository (exit 1 on a new violation)
//   node scripts/check-layering.mjs --prune    also delete known violations that are fixed
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));
export const CONFIG = join(repoRoot, ".dependency-cruiser.cjs");
export const KNOWN = join(repoRoot, ".dependency-cruiser-known-violations.json");
const ROOTS = ["functions", "contract", "src", "site.config.ts"];
const RULE_DOC = 'docs/architecture.md, "Layering, checked by a machine"';

/**
 * Every violation of the layering rules under `root`.
 * @param {string} root a repository (or a test's fixture tree) with functions/, src/, ...
 */
export function findViolations(root) {
  const cruised = cruise(root);
  return { ...cruised, violations: [...cruised.violations, ...astroImports(root), ...impureCalls(root)] };
}

/**
 * Splits violations into new ones and known ones; `stale` are known violations no longer found.
 * @param {object[]} found from findViolations
 * @param {object[]} known in dependency-cruiser's baseline format
 */
export function compareWithKnown(found, known) {
  return {
    fresh: found.filter((v) => !known.some((k) => sameViolation(k, v))),
    stale: known.filter((k) => !found.some((v) => sameViolation(k, v))),
  };
}

function cruise(root) {
  const roots = ROOTS.filter((p) => existsSync(join(root, p)));
  const bin = join(repoRoot, "node_modules", "dependency-cruiser", "bin", "dependency-cruiser.mjs");
  const r = spawnSync(process.execPath, [bin, "--config", CONFIG, "--output-type", "json", "--", ...roots], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error || !r.stdout) throw new Error(`dependency-cruiser failed: ${r.error?.message ?? r.stderr}`);
  const result = JSON.parse(r.stdout);
  const comments = new Map(result.summary.ruleSetUsed.forbidden.map((rule) => [rule.name, rule.comment]));
  const violations = result.summary.violations
    .filter((v) => v.rule.severity === "error")
    .map((v) => ({ ...v, comment: comments.get(v.rule.name) }));
  return { violations, modules: result.summary.totalCruised, dependencies: result.summary.totalDependenciesCruised };
}

// dependency-cruiser's own notion of "the same violation" (src/analyze/summarize/is-same-violation.mjs):
// the same rule, and the same cycle (as a set of names) or the same from and to.
function sameViolation(a, b) {
  if (a.rule.name !== b.rule.name) return false;
  if (a.cycle && b.cycle) {
    const names = new Set(b.cycle.map((c) => c.name));
    return a.cycle.length === b.cycle.length && a.cycle.every((c) => names.has(c.name));
  }
  return a.from === b.from && (a.to ?? null) === (b.to ?? null);
}

function* files(dir, predicate) {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules") yield* files(path, predicate);
    } else if (predicate(entry.name)) yield path;
  }
}

// site-not-to-worker for .astro files: the imports of the frontmatter and of every <script>.
function astroImports(root) {
  const comment =
    "The site (src/) is built to static files; it shares only contract/ and site.config.ts with the Worker.";
  const out = [];
  for (const file of files(join(root, "src"), (name) => name.endsWith(".astro"))) {
    const text = readFileSync(file, "utf8");
    const code = [/^\s*---\r?\n([\s\S]*?)\r?\n---/.exec(text)?.[1] ?? ""];
    for (const m of text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)) code.push(m[1]);
    for (const chunk of code) {
      for (const { fileName: spec } of ts.preProcessFile(chunk, true, true).importedFiles) {
        if (!spec.startsWith(".")) continue;
        const target = relative(root, resolve(dirname(file), spec)).replaceAll("\\", "/");
        if (target.startsWith("functions/")) {
          out.push({ type: "dependency", from: rel(root, file), to: target, rule: { name: "site-not-to-worker", severity: "error" }, comment });
        }
      }
    }
  }
  return out;
}

// pure-no-io: what a *.pure.ts module must not use, and why. Pure logic is tested by tables of
// input and expected output; anything below makes the output depend on the world instead.
const IO = "I/O: pass the result in";
const BINDING = "a binding (storage, queues, secrets): pass the data in";
const RANDOM = "randomness: pass the random value in";
const CLOCK = "a clock: pass `now` in";
const CALLS = new Map([
  ["fetch", IO],
  ["globalThis.fetch", IO],
  ["self.fetch", IO],
  ["crypto.getRandomValues", RANDOM],
  ["crypto.randomUUID", RANDOM],
  ["Math.random", RANDOM],
  ["Date.now", CLOCK],
  ["performance.now", CLOCK],
]);
const BINDING_TYPES = new Set(["D1Database", "Queue", "R2Bucket", "KVNamespace", "DurableObjectNamespace", "SendEmail", "Fetcher"]);

function impureCalls(root) {
  const comment =
    "A *.pure.ts module is logic without I/O, tested by tables: no fetch, no bindings (env., D1Database, Queue<...>), " +
    "no Cache API, no randomness and no clock; the caller passes these in.";
  const out = [];
  for (const file of files(join(root, "functions"), (name) => name.endsWith(".pure.ts"))) {
    const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    const found = (node, what, why) => {
      const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
      out.push({ type: "module", from: rel(root, file), rule: { name: "pure-no-io", severity: "error" }, comment, detail: `line ${line}: ${what}: ${why}` });
    };
    const visit = (node) => {
      if (ts.isCallExpression(node) && CALLS.has(node.expression.getText(source))) {
        found(node, `${node.expression.getText(source)}()`, CALLS.get(node.expression.getText(source)));
      } else if (ts.isNewExpression(node) && node.expression.getText(source) === "Date" && !node.arguments?.length) {
        found(node, "new Date()", CLOCK);
      } else if (ts.isPropertyAccessExpression(node) && (node.name.text === "env" || node.expression.getText(source) === "env")) {
        found(node, node.getText(source), BINDING);
      } else if (ts.isPropertyAccessExpression(node) && node.expression.getText(source) === "caches") {
        found(node, node.getText(source), "the Cache API is storage I/O");
      } else if (ts.isTypeReferenceNode(node) && BINDING_TYPES.has(node.typeName.getText(source))) {
        found(node, node.getText(source), BINDING);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return out;
}

function rel(root, file) {
  return relative(root, file).replaceAll("\\", "/");
}

export function describe(v) {
  const path = v.cycle ? [v.from, ...v.cycle.map((c) => c.name)].join(" → ") : v.to ? `${v.from} → ${v.to}` : v.from;
  return `${path}${v.detail ? ` (${v.detail})` : ""}`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const known = existsSync(KNOWN) ? JSON.parse(readFileSync(KNOWN, "utf8")) : [];
  const { violations, modules, dependencies } = findViolations(repoRoot);
  const { fresh, stale } = compareWithKnown(violations, known);
  const knownFile = relative(repoRoot, KNOWN);
  if (stale.length && process.argv.includes("--prune")) {
    writeFileSync(KNOWN, JSON.stringify(known.filter((k) => !stale.includes(k)), null, 2) + "\n");
    console.log(`layering: deleted ${stale.length} fixed violation(s) from ${knownFile}`);
  } else if (stale.length) {
    console.log(`layering: ${stale.length} known violation(s) no longer occur; delete them from ${knownFile} (node scripts/check-layering.mjs --prune):`);
    for (const v of stale) console.log(`  fixed  ${v.rule.name}: ${describe(v)}`);
  }
  if (fresh.length) {
    console.error(`layering: ${fresh.length} violation(s) of the layering rules (${RULE_DOC}):`);
    for (const name of new Set(fresh.map((v) => v.rule.name))) {
      const ofRule = fresh.filter((v) => v.rule.name === name);
      console.error(`  ${name}: ${ofRule[0].comment ?? ""}`);
      for (const v of ofRule) console.error(`    ${describe(v)}`);
    }
    process.exit(1);
  }
  const listed = known.length - (process.argv.includes("--prune") ? stale.length : 0);
  console.log(`layering: rules hold (${modules} modules, ${dependencies} imports; ${listed} known violation(s) in ${knownFile})`);
}
