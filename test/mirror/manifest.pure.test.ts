// What a publish sends (functions/mirror/manifest.pure.ts): changed files only, the home page
// always, the manifest, removals of what is gone, in an order that leaves the index last.
import { describe, expect, it } from "vitest";
import { parseManifest, planUpload, type Manifest, type MirrorFile } from "../../functions/mirror/manifest.pure";

const hash = (c: string) => c.repeat(64).slice(0, 64);
const file = (key: string, h: string, type = "text/html; charset=utf-8"): MirrorFile => ({ key, body: new TextEncoder().encode(key), contentType: type, cacheControl: "public, max-age=60", sha256: hash(h) });
const meta = { syncedAt: "2026-12-01T10:00:00.000Z", version: 7, liveUrl: "https://status.example.com", mirrorUrl: "https://status.example.net", always: ["index.html"] };
const previousOf = (files: MirrorFile[]): Manifest => ({
  format: 1,
  syncedAt: "2026-12-01T09:00:00.000Z",
  version: 6,
  liveUrl: meta.liveUrl,
  mirrorUrl: meta.mirrorUrl,
  files: Object.fromEntries(files.map((f) => [f.key, { sha256: f.sha256, size: f.body.byteLength, type: f.contentType }])),
});

describe("planUpload", () => {
  const before = [file("index.html", "a"), file("history", "b"), file("incidents/inc_1", "c"), file("api/v2/summary.json", "d", "application/json")];

  it.each<[string, Manifest | null, MirrorFile[], string[], string[]]>([
    ["a first publish sends everything, the index last", null, before, ["history", "incidents/inc_1", "api/v2/summary.json", "_mirror/manifest.json", "index.html"], []],
    ["nothing changed: only the home page (its sync time) and the manifest", previousOf(before), before, ["_mirror/manifest.json", "index.html"], []],
    [
      "one incident changed: that page, the summary, the manifest, the index",
      previousOf(before),
      [file("index.html", "a"), file("history", "b"), file("incidents/inc_1", "x"), file("api/v2/summary.json", "y", "application/json")],
      ["incidents/inc_1", "api/v2/summary.json", "_mirror/manifest.json", "index.html"],
      [],
    ],
    [
      "a new page is sent, a page gone is removed",
      previousOf(before),
      [file("index.html", "a"), file("history", "b"), file("incidents/inc_2", "e"), file("api/v2/summary.json", "d", "application/json")],
      ["incidents/inc_2", "_mirror/manifest.json", "index.html"],
      ["incidents/inc_1"],
    ],
    [
      "the same bytes with another content type are sent again",
      previousOf(before),
      [file("index.html", "a"), file("history", "b", "text/plain"), file("incidents/inc_1", "c"), file("api/v2/summary.json", "d", "application/json")],
      ["history", "_mirror/manifest.json", "index.html"],
      [],
    ],
  ])("%s", (_name, previous, files, put, remove) => {
    const plan = planUpload(previous, files, meta);
    expect(plan.put.map((f) => f.key)).toEqual(put);
    expect(plan.remove).toEqual(remove);
    expect(Object.keys(plan.manifest.files).sort()).toEqual(files.map((f) => f.key).sort());
  });

  it("never removes what the manifest did not list (the break-glass log, files put there by hand)", () => {
    const plan = planUpload(previousOf([file("index.html", "a")]), [file("index.html", "a")], meta);
    expect(plan.remove).toEqual([]);
  });

  it("writes a manifest a later publish reads back", () => {
    const plan = planUpload(null, before, meta);
    const manifest = plan.put.find((f) => f.key === "_mirror/manifest.json")!;
    expect(parseManifest(new TextDecoder().decode(manifest.body))).toEqual(plan.manifest);
  });

  it.each([
    ["missing", null],
    ["not JSON", "<Error>"],
    ["another format", JSON.stringify({ format: 2, files: {} })],
    ["a hash that is not one", JSON.stringify({ ...previousOf(before), files: { "index.html": { sha256: "zz", size: 1, type: "x" } } })],
  ])("a manifest that is %s reads as none: everything is sent again", (_name, text) => {
    expect(parseManifest(text)).toBeNull();
  });
});
