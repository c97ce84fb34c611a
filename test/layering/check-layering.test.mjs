// Each layering rule fails on code that breaks it and stays quiet on code it allows.
// Run by `npm run check` (node:test, not vitest: dependency-cruiser reads the file system, and
// the vitest suite runs inside workerd). One fixture tree, written to a temporary folder, holds
// every case, so dependency-cruiser runs once.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compareWithKnown, findViolations } from "../../scripts/check-layering.mjs";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

const tree = {
  "site.config.ts": `export const site = { name: "x" };`,
  "contract/a.ts": `import * as z from "zod";\nimport { b } from "./b";\nexport const a = z.string().max(b);`,
  "contract/b.ts": `export const b = 3;`,
  "contract/named-zod.ts": `import { z } from "zod";\nexport const n = z.number();`,
  "contract/type-zod.ts": `import type { z } from "zod";\nexport type T = z.ZodType;`,
  "contract/to-worker.ts": `import { html } from "../functions/platform/html";\nexport const c = html;`,
  "contract/to-config.ts": `import { site } from "../site.config";\nexport const d = site;`,
  "contract/to-node.ts": `import { createHash } from "node:crypto";\nexport const e = createHash;`,

  "src/consts.ts": `import { site } from "../site.config";\nimport { a } from "../contract/a";\nexport const consts = [site, a];`,
  "src/to-worker.ts": `import { html } from "../functions/platform/html";\nexport const x = html;`,
  "src/pages/ok.astro": `---\nimport { consts } from "../consts";\n---\n<p>{consts.length}</p>\n<script>\nimport { a } from "../../contract/a";\nconsole.log(a);\n</script>`,
  "src/pages/frontmatter.astro": `---\nimport { html } from "../../functions/platform/html";\n---\n<p>{html}</p>`,
  "src/pages/script.astro": `<p>x</p>\n<script>\nimport { renderBadge } from "../../functions/status/badge";\nrenderBadge();\n</script>`,

  "functions/platform/html.ts": `export const html = "";`,
  "functions/status/badge.ts": `import { html } from "../platform/html";\nexport const renderBadge = () => html;`,

  // Channels: two folders, and the flat layout (a file per channel) used before them.
  "functions/channels/types.ts": `export type ChannelAdapter = { send(): void };`,
  "functions/channels/http.ts": `import type { ChannelAdapter } from "./types";\nexport const call = (a: ChannelAdapter) => a;`,
  "functions/channels/text.pure.ts": `export const trim = (s: string) => s.trim();`,
  "functions/channels/list.ts": `export { slackChannel } from "./slack/channel";\nexport { teamsChannel } from "./teams/channel";`,
  "functions/channels/registry.ts": `import * as list from "./list";\nimport { flatOne } from "./flat-one";\nimport { flatTwo } from "./flat-two";\nexport const channels = { ...list, flatOne, flatTwo };`,
  "functions/channels/slack/channel.ts": `import { call } from "../http";\nimport { trim } from "../text.pure";\nimport type { ChannelAdapter } from "../types";\nimport { format } from "./format";\nexport const slackChannel: ChannelAdapter = { send: () => call(slackChannel) && trim(format) };`,
  "functions/channels/slack/format.ts": `export const format = "";`,
  "functions/channels/teams/channel.ts": `import { format } from "../slack/format";\nexport const teamsChannel = { send: () => format };`,
  "functions/channels/flat-one.ts": `import { flatTwo } from "./flat-two";\nexport const flatOne = flatTwo;`,
  "functions/channels/flat-two.ts": `import type { ChannelAdapter } from "./types";\nexport const flatTwo: ChannelAdapter = { send() {} };`,
  "functions/alerts/delivery.ts": `import { channels } from "../channels/registry";\nimport type { ChannelAdapter } from "../channels/types";\nexport const deliver = (a: ChannelAdapter) => [channels, a];`,
  "functions/alerts/reach-folder.ts": `import { slackChannel } from "../channels/slack/channel";\nexport const r = slackChannel;`,
  "functions/alerts/reach-flat.ts": `import { flatTwo } from "../channels/flat-two";\nexport const s = flatTwo;`,

  // Social networks: a folder each, reached through list.ts; shared files at the room's top.
  "functions/social/types.ts": `export type Network = { poll(): void };`,
  "functions/social/list.ts": `export { xNetwork } from "./x/network";\nexport { mastoNetwork } from "./masto/network";`,
  "functions/social/registry.ts": `import * as list from "./list";\nexport const networks = list;`,
  "functions/social/x/network.ts": `import type { Network } from "../types";\nimport { sign } from "./sign";\nexport const xNetwork: Network = { poll: () => sign };`,
  "functions/social/x/sign.ts": `export const sign = "";`,
  "functions/social/masto/network.ts": `import { sign } from "../x/sign";\nexport const mastoNetwork = { poll: () => sign };`,
  "functions/social/cron.ts": `import { networks } from "./registry";\nimport { xNetwork } from "./x/network";\nexport const run = () => [networks, xNetwork];`,

  // Capabilities: reports and alerts import each other; cron and status through a type only.
  "functions/reports/queries.ts": `export const readReport = () => 1;`,
  "functions/reports/routes.ts": `import { raise } from "../alerts/lifecycle";\nexport const post = () => raise();`,
  "functions/alerts/lifecycle.ts": `import { readReport } from "../reports/queries";\nexport const raise = () => readReport();`,
  "functions/cron/scheduled.ts": `import { tick } from "../status/cron";\nexport type CronTask = () => void;\nexport const run = () => tick();`,
  "functions/status/cron.ts": `import type { CronTask } from "../cron/scheduled";\nexport const tick: CronTask = () => {};`,

  // Pure modules.
  "functions/rules/good.pure.ts": [
    `import * as z from "zod";`,
    `import { a } from "../../contract/a";`,
    `import { site } from "../../site.config";`,
    `import { trim } from "../channels/text.pure";`,
    `// Never fetch() or Date.now() here: the caller passes the answer and \`now\` in.`,
    `export const when = (iso: string, now: number) => [new Date(iso), Date.parse(iso), now, z, a, site, trim, "env.DB"];`,
  ].join("\n"),
  "functions/rules/imports.pure.ts": [
    `import { Hono } from "hono";`,
    `import { readReport } from "../reports/queries";`,
    `import { createHash } from "node:crypto";`,
    `import { env } from "cloudflare:workers";`,
    `export const x = [Hono, readReport, createHash, env];`,
  ].join("\n"),
  "functions/rules/io.pure.ts": [
    `declare const env: { DB: D1Database };`,
    `declare const c: { env: object };`,
    `export async function all(q: Queue<string>) {`,
    `  await fetch("https://example.com");`,
    `  const db = env.DB;`,
    `  const vars = c.env;`,
    `  const hit = await caches.default.match("https://example.com");`,
    `  const bytes = crypto.getRandomValues(new Uint8Array(4));`,
    `  return [q, db, vars, hit, bytes, Date.now(), Math.random(), new Date()];`,
    `}`,
  ].join("\n"),
};

let root;
let found;
before(() => {
  root = mkdtempSync(join(tmpdir(), "layering-"));
  for (const [path, text] of Object.entries(tree)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text + "\n");
  }
  symlinkSync(join(repoRoot, "node_modules"), join(root, "node_modules"));
  found = findViolations(root).violations;
});
after(() => rmSync(root, { recursive: true, force: true }));

const of = (rule) => found.filter((v) => v.rule.name === rule);
const pairs = (rule) => of(rule).map((v) => `${v.from} -> ${v.to}`).sort();

describe("site-not-to-worker", () => {
  test("fails for a .ts module, an .astro frontmatter and an .astro script that import functions/", () => {
    assert.deepEqual(pairs("site-not-to-worker"), [
      "src/pages/frontmatter.astro -> functions/platform/html",
      "src/pages/script.astro -> functions/status/badge",
      "src/to-worker.ts -> functions/platform/html.ts",
    ]);
  });
});

describe("channel-not-to-other-channel", () => {
  test("fails when a channel folder imports another channel's folder, or a flat channel another", () => {
    assert.deepEqual(pairs("channel-not-to-other-channel"), [
      "functions/channels/flat-one.ts -> functions/channels/flat-two.ts",
      "functions/channels/teams/channel.ts -> functions/channels/slack/format.ts",
    ]);
  });
});

describe("network-not-to-other-network", () => {
  test("fails when a social network's folder imports another network's folder", () => {
    assert.deepEqual(pairs("network-not-to-other-network"), ["functions/social/masto/network.ts -> functions/social/x/sign.ts"]);
  });
});

describe("networks-only-through-registry", () => {
  test("fails when the room's shared code or another capability imports a network; list.ts is allowed", () => {
    assert.deepEqual(pairs("networks-only-through-registry"), ["functions/social/cron.ts -> functions/social/x/network.ts"]);
  });
});

describe("channels-only-through-registry", () => {
  test("fails when another capability imports a channel; registry.ts, list.ts and the shared files are allowed", () => {
    assert.deepEqual(pairs("channels-only-through-registry"), [
      "functions/alerts/reach-flat.ts -> functions/channels/flat-two.ts",
      "functions/alerts/reach-folder.ts -> functions/channels/slack/channel.ts",
    ]);
  });
});

describe("contract-only-libraries", () => {
  test("fails for an import of the Worker, of site.config.ts and of node:*; zod and contract/ itself are allowed", () => {
    assert.deepEqual(pairs("contract-only-libraries"), [
      "contract/to-config.ts -> site.config.ts",
      "contract/to-node.ts -> crypto", // dependency-cruiser names node:crypto "crypto"
      "contract/to-worker.ts -> functions/platform/html.ts",
    ]);
  });
});

describe("capabilities-no-cycle", () => {
  test("fails for two capabilities that import each other, also when one side imports only a type", () => {
    const cycles = of("capabilities-no-cycle").map((v) => [v.from, ...v.cycle.map((c) => c.name)].join(" > "));
    assert.deepEqual(cycles.sort(), [
      "functions/alerts > functions/reports > functions/alerts",
      "functions/cron > functions/status > functions/cron",
      "functions/reports > functions/alerts > functions/reports",
      "functions/status > functions/cron > functions/status",
    ]);
  });
});

describe("pure-imports-only-pure", () => {
  test("fails for hono, a queries module, node:* and cloudflare:*; other pure modules, contract/, site.config.ts and zod are allowed", () => {
    const targets = of("pure-imports-only-pure").map((v) => `${v.from} -> ${v.to.replace(/^.*node_modules\//, "node_modules/")}`);
    assert.equal(targets.length, 4, targets.join("\n"));
    for (const expected of [/imports\.pure\.ts -> node_modules\/hono\//, /imports\.pure\.ts -> functions\/reports\/queries\.ts$/, /imports\.pure\.ts -> (node:)?crypto$/, /imports\.pure\.ts -> cloudflare:workers$/]) {
      assert.ok(targets.some((t) => expected.test(t)), `${expected} in\n${targets.join("\n")}`);
    }
  });
});

describe("pure-no-io", () => {
  test("fails for fetch, bindings, the Cache API, randomness and clocks; comments, strings, Date.parse and new Date(x) are allowed", () => {
    const details = of("pure-no-io").map((v) => `${v.from} ${v.detail}`);
    assert.ok(details.every((d) => d.startsWith("functions/rules/io.pure.ts ")), details.join("\n"));
    const what = details.map((d) => d.replace(/^.*line \d+: /, "").replace(/: .*$/, "")).sort();
    assert.deepEqual(what, [
      "D1Database",
      "Date.now()",
      "Math.random()",
      "Queue<string>",
      "c.env",
      "caches.default",
      "crypto.getRandomValues()",
      "env.DB",
      "fetch()",
      "new Date()",
    ]);
  });
});

describe("zod-namespace-import", () => {
  test("fails for import { z } from zod; the namespace import and a type-only import are allowed", () => {
    assert.deepEqual(of("zod-namespace-import").map((v) => v.from), ["contract/named-zod.ts"]);
  });
});

describe("known violations", () => {
  test("a known violation does not fail; one that no longer occurs is reported as stale", () => {
    const known = [
      { type: "cycle", from: "functions/reports", to: "functions/alerts", rule: { severity: "error", name: "capabilities-no-cycle" }, cycle: [{ name: "functions/alerts", dependencyTypes: [] }, { name: "functions/reports", dependencyTypes: [] }] },
      { type: "dependency", from: "src/to-worker.ts", to: "functions/platform/html.ts", rule: { severity: "error", name: "site-not-to-worker" } },
      { type: "dependency", from: "src/gone.ts", to: "functions/platform/html.ts", rule: { severity: "error", name: "site-not-to-worker" } },
    ];
    const { fresh, stale } = compareWithKnown(found, known);
    assert.equal(fresh.length, found.length - 3, "the cycle, seen from both capabilities, and the import are known");
    assert.ok(!fresh.some((v) => v.from === "src/to-worker.ts"));
    assert.ok(fresh.some((v) => v.from === "src/pages/frontmatter.astro"), "other violations of the same rule still fail");
    assert.deepEqual(stale.map((k) => k.from), ["src/gone.ts"]);
  });
});
