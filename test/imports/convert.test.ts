// The pure parts of import, table-driven: readable ids, cState dates and update parsing, and
// how long lists are cut into statements.
import { describe, expect, it } from "vitest";
import { cstateTime, cstateUpdates, slug, splitFrontMatter } from "../../functions/imports/cstate.pure";
import { localIdFor, readableId, splitBySize } from "../../functions/imports/ids.pure";

describe("readable ids", () => {
  it.each([
    ["cmp_", "8l4ygp009s5s", "cmp_8l4ygp009s5s"],
    ["cmp_", "Customer Panel", "cmp_customer-panel"],
    ["grp_", "  ", "grp_x"],
    ["cmp_", "x".repeat(100), `cmp_${"x".repeat(60)}`],
  ])("readableId(%j, %j) = %j", (prefix, source, id) => {
    expect(readableId(prefix, source)).toBe(id);
  });

  it("takes the next free suffix when the id is taken", () => {
    expect(localIdFor("cmp_", "mail", new Set())).toBe("cmp_mail");
    expect(localIdFor("cmp_", "mail", new Set(["cmp_mail"]))).toBe("cmp_mail-2");
    expect(localIdFor("cmp_", "mail", new Set(["cmp_mail", "cmp_mail-2"]))).toBe("cmp_mail-3");
  });

  it("cuts rows so that each run's JSON stays under the size", () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({ i, pad: "x".repeat(90) }));
    const runs = splitBySize(rows, 350);
    expect(runs.flat()).toEqual(rows);
    for (const run of runs) expect(JSON.stringify(run).length).toBeLessThanOrEqual(350);
  });
});

describe("cState", () => {
  it.each([
    ["2018-04-25 04:13:00", "2018-04-25T04:13:00.000Z"],
    ["2018-04-25 04:13", "2018-04-25T04:13:00.000Z"],
    ["2026-10-02T13:05:00+02:00", "2026-10-02T11:05:00.000Z"],
    ["2023-02-24 10:35:00 +0200", "2023-02-24T08:35:00.000Z"],
    ["2023-02-24", "2023-02-24T00:00:00.000Z"],
  ])("date %j is %j", (raw, iso) => {
    expect(cstateTime(raw, "f")).toBe(iso);
  });

  it.each(["24 Feb 21 12:35 +0200", "soon", "2023-02-30 10:00:00"])("refuses %j naming the file", (raw) => {
    expect(() => cstateTime(raw, "2023-x.md: date")).toThrow(/2023-x\.md: date/);
  });

  it.each([
    ["Customer panel", "customer-panel"],
    ["Événements & API", "evenements-api"],
  ])("slug(%j) = %j", (name, s) => {
    expect(slug(name)).toBe(s);
  });

  it("reads the updates of a body (newest first in the file; paragraphs belong to the update above them), oldest first out", () => {
    const body = '*Resolved* - Done. {{< track "2026-01-01 12:00:00" >}}\n\n**Identified** - Found it.\nA second line.\n\nMore about it. {{< track "2026-01-01 11:00:00" >}}\n\n*Investigating* - We are looking.';
    expect(cstateUpdates(body, { file: "i", date: "2026-01-01T10:00:00.000Z", resolved: true, resolvedWhen: "2026-01-01T12:30:00.000Z" })).toEqual([
      { id: "i#1", status: "investigating", body: "We are looking.", created_at: "2026-01-01T10:00:00.000Z" },
      { id: "i#2", status: "identified", body: "Found it.\nA second line.\n\nMore about it.", created_at: "2026-01-01T11:00:00.000Z" },
      { id: "i#3", status: "resolved", body: "Done.", created_at: "2026-01-01T12:00:00.000Z" },
    ]);
  });

  it("gives a resolved issue without a resolution update the one it implies", () => {
    expect(cstateUpdates("A router failed.", { file: "n", date: "2026-01-01T10:00:00.000Z", resolved: true, resolvedWhen: "2026-01-01T10:40:00.000Z" })).toEqual([
      { id: "n#1", status: "investigating", body: "A router failed.", created_at: "2026-01-01T10:00:00.000Z" },
      { id: "n#resolved", status: "resolved", body: "Resolved.", created_at: "2026-01-01T10:40:00.000Z" },
    ]);
  });

  it("splits front matter from the body, and says so when there is none", () => {
    expect(splitFrontMatter("---\ntitle: X\n---\n\nBody", "a.md")).toEqual({ yaml: "title: X", body: "Body" });
    expect(() => splitFrontMatter("# Just Markdown", "b.md")).toThrow(/b\.md: no front matter/);
  });
});
