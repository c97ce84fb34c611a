// The layering rules `npm run check` enforces (scripts/check-layering.mjs runs dependency-cruiser
// with this file). The reasons are in docs/architecture.md, "Layering, checked by a machine".
// Paths are regular expressions on paths from the repository root. Each rule has a test that
// makes it fail: test/layering/check-layering.test.mjs (its fixture tree is written to a temporary
// folder, so the real run never sees it).
//
// Violations known when a rule was introduced are listed in
// .dependency-cruiser-known-violations.json and do not fail the check; delete an entry when its
// violation is fixed (the check then keeps it fixed). Never add one for new code.

// A channel is a folder functions/channels/<name>/ (or, in the flat layout before the channels
// became folders, a file functions/channels/<name>.ts). Files directly in functions/channels/
// that are not channels are the room's shared infrastructure, which every channel may use.
const SHARED = "(?!(?:types|http|registry|list)\\.ts$)(?![^/]+\\.pure\\.ts$)";
const CHANNEL = [`^functions/channels/[^/]+/`, `^functions/channels/${SHARED}[^/]+\\.ts$`];
// The only modules that may name channels: the registry and the list it reads.
const CHANNEL_LISTS = "^functions/channels/(?:registry|list)\\.ts$";
// A social network is a folder functions/social/<name>/; the files directly in functions/social/
// are the room's shared code (the interface, storage, rules), which every network may use.
const NETWORK = "^functions/social/[^/]+/";
// The only module that may name networks: the list the registry reads.
const NETWORK_LISTS = "^functions/social/list\\.ts$";

// Libraries a *.pure.ts module may import: computation only, no I/O, no clock of their own.
// croner is cron and time-zone maths: pure as long as callers pass the instant it starts from
// (the pure-no-io check below catches a `new Date()` in the pure module itself). twitter-text
// counts a post's weighted length for X: computation only.
const PURE_LIBRARIES = ["zod", "croner", "twitter-text"];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "site-not-to-worker",
      comment:
        "The site (src/) is built to static files; it shares only contract/ and site.config.ts with the Worker. " +
        "(.astro files are checked by scripts/check-layering.mjs: dependency-cruiser cannot read them.)",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^functions/" },
    },
    {
      name: "channel-not-to-other-channel",
      comment:
        "A channel is one folder; it may use the shared files of functions/channels/ but never another channel, " +
        "so adding or removing one touches one folder and one line.",
      severity: "error",
      from: { path: [`^functions/channels/([^/]+)/`, `^functions/channels/${SHARED}([^/]+)\\.ts$`] },
      to: { path: CHANNEL, pathNot: [`^functions/channels/$1/`, `^functions/channels/$1\\.ts$`] },
    },
    {
      name: "channels-only-through-registry",
      comment:
        "Outside its own folder a channel is reached through functions/channels/registry.ts (and the list it reads), " +
        "so every list that names channels is derived from one place.",
      severity: "error",
      from: { path: "^functions/", pathNot: [CHANNEL_LISTS, ...CHANNEL] },
      to: { path: CHANNEL },
    },
    {
      name: "network-not-to-other-network",
      comment:
        "A social network is one folder; it may use the shared files of functions/social/ but never another network, " +
        "so adding or removing one touches one folder and one line.",
      severity: "error",
      from: { path: "^functions/social/([^/]+)/" },
      to: { path: NETWORK, pathNot: "^functions/social/$1/" },
    },
    {
      name: "networks-only-through-registry",
      comment:
        "Outside its own folder a social network is reached through functions/social/registry.ts (which reads list.ts), " +
        "so everything that names networks is derived from one place.",
      severity: "error",
      from: { path: "^functions/", pathNot: [NETWORK_LISTS, NETWORK] },
      to: { path: NETWORK },
    },
    {
      name: "contract-only-libraries",
      comment: "contract/ is shared by the site and the Worker: it imports only itself and npm libraries (zod).",
      severity: "error",
      from: { path: "^contract/" },
      to: { pathNot: ["^contract/", "(^|/)node_modules/"] },
    },
    {
      name: "capabilities-no-cycle",
      comment:
        "Capabilities (the folders under functions/) depend in one direction: e.g. reports (intake) sit below " +
        "alerts (fan-out); reports raise alerts through a queue job, alerts read reports through a narrow query.",
      severity: "error",
      scope: "folder",
      from: { path: "^functions/[^/]+$" },
      to: { circular: true },
    },
    {
      name: "pure-imports-only-pure",
      comment:
        "A *.pure.ts module is logic without I/O, tested by tables: it imports only other *.pure.ts modules, " +
        "contract/, site.config.ts and PURE_LIBRARIES (zod, croner, twitter-text); never bindings, hono, cloudflare:*, node:*, queries, routes or services.",
      severity: "error",
      from: { path: "\\.pure\\.ts$" },
      to: { pathNot: ["\\.pure\\.ts$", "^contract/", "^site\\.config\\.ts$", ...PURE_LIBRARIES.map((name) => `(^|/)node_modules/${name}/`)] },
    },
  ],
  options: {
    // Tests may import whatever they test.
    exclude: { path: "\\.test\\.ts$" },
    doNotFollow: { path: "node_modules" },
    // `import type` counts: a type shared both ways is a dependency both ways.
    tsPreCompilationDeps: true,
    // Absolute, so the rule tests can cruise a fixture tree elsewhere with the same resolution.
    tsConfig: { fileName: require("node:path").join(__dirname, "tsconfig.worker.json") },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["workerd", "worker", "import", "default", "types"],
      extensions: [".ts", ".mjs", ".js", ".d.ts"],
      mainFields: ["module", "main", "types"],
    },
    // Folder-level rules (capabilities-no-cycle) need the folder metrics.
    metrics: true,
  },
};
