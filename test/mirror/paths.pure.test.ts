// Where each page and file of the public site lives on the mirror (functions/mirror/paths.pure.ts).
import { describe, expect, it } from "vitest";
import { cacheControlOf, keyOf, kindOf, livePathOf, mirrorPathOf, uploadRank } from "../../functions/mirror/paths.pure";

describe("mirrorPathOf: which links the mirror carries", () => {
  it.each([
    ["/", "/"],
    ["/history", "/history"],
    ["/history?page=1", "/history"],
    ["/history?page=2", "/history/2"],
    ["/history?page=2#m-2026-10", "/history/2"],
    ["/incidents/inc_abc", "/incidents/inc_abc"],
    ["/maintenance/mnt_x-1", "/maintenance/mnt_x-1"],
    ["/postmortems/outgoing-mail-delays", "/postmortems/outgoing-mail-delays"],
    ["/api/v2/summary.json", "/api/v2/summary.json"],
    ["/history.atom", "/history.atom"],
    ["/favicon.svg", "/favicon.svg"],
    ["/_astro/index.a1b2.css", "/_astro/index.a1b2.css"],
    ["/#contacts-title", "/"],
  ])("%s is %s", (href, path) => {
    expect(mirrorPathOf(href)).toBe(path);
  });

  it.each([
    ["another site", "https://x.com/examplehosting"],
    ["a protocol-relative link", "//evil.example/x.js"],
    ["mail", "mailto:urgent@example.com"],
    ["the report form (needs the Worker)", "/report"],
    ["a reporter's private page", "/r/R-7K3M9Q2X?k=secret"],
    ["staff", "/admin"],
    ["the staff API", "/api/admin/mirror"],
    ["the intake API", "/api/reports"],
    ["an acknowledgement link", "/ack/abc"],
    ["a query the mirror cannot serve", "/incidents/inc_1?utm=x"],
    ["a history page out of range", "/history?page=0"],
    ["a path escaping upwards", "/../etc/passwd.txt"],
    ["a bare fragment", "#main"],
  ])("not %s (%s)", (_what, href) => {
    expect(mirrorPathOf(href)).toBeNull();
  });
});

describe("paths, keys and headers", () => {
  it.each([
    ["/", "page", "/", "index.html", "index.html"],
    ["/404", "page", "/404", "404.html", "404.html"],
    ["/_mirror/incident", "page", "/_mirror/incident", "_mirror/incident.html", "_mirror/incident.html"],
    ["/history", "page", "/history", "history", "history.html"],
    ["/history/3", "page", "/history?page=3", "history/3", "history/3.html"],
    ["/incidents/inc_1", "page", "/incidents/inc_1", "incidents/inc_1", "incidents/inc_1.html"],
    ["/postmortems/p", "page", "/postmortems/p", "postmortems/p", "postmortems/p.html"],
    ["/api/v2/incidents/unresolved.json", "data", "/api/v2/incidents/unresolved.json", "api/v2/incidents/unresolved.json", "api/v2/incidents/unresolved.json"],
    ["/badge.svg", "data", "/badge.svg", "badge.svg", "badge.svg"],
    ["/logo.svg", "asset", "/logo.svg", "logo.svg", "logo.svg"],
  ])("%s: a %s rendered from %s, stored as %s (object store) or %s (files)", (path, kind, live, objectKey, fileKey) => {
    expect(kindOf(path)).toBe(kind);
    expect(livePathOf(path)).toBe(live);
    expect(keyOf(path, "object-store")).toBe(objectKey);
    expect(keyOf(path, "files")).toBe(fileKey);
  });

  it.each([
    ["index.html", "public, max-age=60"],
    ["incidents/inc_1", "public, max-age=60"],
    ["incidents/inc_1.html", "public, max-age=60"],
    ["api/v2/summary.json", "public, max-age=60"],
    ["history.rss", "public, max-age=60"],
    ["logo.svg", "public, max-age=3600"],
    ["local-time.js", "public, max-age=3600"],
    ["_mirror/manifest.json", "no-cache"],
    ["_mirror/break-glass.json", "no-cache"],
  ])("%s is cached as %s", (key, cacheControl) => {
    expect(cacheControlOf(key)).toBe(cacheControl);
  });

  it("orders uploads: assets, pages, data, the manifest, the home page last", () => {
    const keys = ["index.html", "_mirror/manifest.json", "api/v2/summary.json", "incidents/inc_1", "favicon.svg", "history.html", "badge.svg"];
    expect([...keys].sort((a, b) => uploadRank(a) - uploadRank(b))).toEqual([
      "favicon.svg",
      "incidents/inc_1",
      "history.html",
      "api/v2/summary.json",
      "badge.svg",
      "_mirror/manifest.json",
      "index.html",
    ]);
  });
});
