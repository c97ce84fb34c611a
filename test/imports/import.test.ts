/// <reference types="vite/client" />
// Import from another status page, through POST /api/admin/import: a Statuspage page read from
// a loopback server serving a recorded v2 API, and a cState site's content folder. Dates are
// kept, the same import twice changes nothing, and an import tells nobody.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { ImportDocument, type ImportDocumentInput } from "../../contract/import";
import { cstateDocument, splitFrontMatter } from "../../functions/imports/cstate.pure";
import { readStatuspage } from "../../functions/imports/statuspage-source";
import { createStaffToken } from "../../functions/staff/tokens";
import { fakeProviders, fetchWorker, postJson, staffHeaders, unique } from "../helpers";

const fixtures = import.meta.glob<string>("../fixtures/cstate/**/*", { query: "?raw", import: "default", eager: true });

function cstateSite(name: string) {
  const config = parseYaml(fixtures["../fixtures/cstate/config.yml"]!) as Record<string, unknown>;
  const issues = Object.entries(fixtures)
    .filter(([path]) => path.includes("/content/issues/"))
    .map(([path, text]) => {
      const file = path.split("/").at(-1)!;
      const { yaml, body } = splitFrontMatter(text, file);
      return { file, frontMatter: parseYaml(yaml) as Record<string, unknown>, body };
    });
  return cstateDocument({ name, config, issues });
}

/** A Statuspage document whose source is this test's own (the database is shared per file). */
async function statuspageDoc(): Promise<ImportDocumentInput> {
  const { document } = await readStatuspage(`${fakeProviders.url()}/statuspage/acme`);
  return { ...document, source: `statuspage:${unique("acme")}.test` };
}

async function importDoc(doc: unknown, headers = staffHeaders()) {
  return postJson("/api/admin/import", doc, headers);
}

async function count(sql: string, ...binds: unknown[]): Promise<number> {
  return (await env.DB.prepare(sql).bind(...binds).first<{ n: number }>())!.n;
}

async function localId(source: string, kind: string, sourceId: string): Promise<string> {
  const row = await env.DB.prepare("SELECT local_id FROM import_mappings WHERE source = ?1 AND kind = ?2 AND source_id = ?3").bind(source, kind, sourceId).first<{ local_id: string }>();
  if (!row) throw new Error(`${kind} ${sourceId} was not imported`);
  return row.local_id;
}

describe("import from Statuspage", () => {
  it("reads the recorded v2 API and imports components, groups, incidents with their updates and maintenance, keeping dates", async () => {
    const doc = await statuspageDoc();
    const res = await importDoc(doc);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toEqual({
      source: doc.source,
      created: { groups: 1, components: 3, incidents: 3, maintenances: 2, updates: 12 },
      updated: { incidents: 0 },
      unchanged: { groups: 0, components: 0, incidents: 0 },
    });

    const mail = await localId(doc.source, "component", "5w1x7rkc1hrn");
    const group = await localId(doc.source, "group", "0l2p9nhqnxpd");
    expect(await env.DB.prepare("SELECT name, status, group_id, description, start_date FROM components WHERE id = ?1").bind(mail).first()).toEqual({
      name: "Mail",
      status: "degraded_performance",
      group_id: group,
      description: "IMAP, SMTP and webmail",
      start_date: "2019-03-04",
    });

    // The incident as the v2 API now shows it: the source's times, in UTC.
    const incidentId = await localId(doc.source, "incident", "h3dqz1v7m0kf");
    const api = await fetchWorker("/api/v2/incidents.json");
    const incident = ((await api.json()) as { incidents: Array<Record<string, unknown> & { incident_updates: Array<Record<string, unknown>> }> }).incidents.find((i) => i.id === incidentId)!;
    expect(incident).toMatchObject({
      name: "API errors for a subset of customers",
      status: "postmortem",
      impact: "major",
      created_at: "2026-11-28T21:31:05.118Z",
      started_at: "2026-11-28T21:31:05.100Z",
      monitoring_at: "2026-11-28T22:20:40.912Z",
      resolved_at: "2026-11-28T22:40:12.640Z",
    });
    expect(incident.incident_updates.map((u) => [u.status, u.display_at])).toEqual([
      ["postmortem", "2026-11-29T16:00:00.190Z"],
      ["resolved", "2026-11-28T22:40:12.630Z"],
      ["identified", "2026-11-28T21:58:33.020Z"],
      ["investigating", "2026-11-28T21:31:05.230Z"],
    ]);
    // What each update did to components, without the component deleted from the page since.
    expect(incident.incident_updates[3]!.affected_components).toEqual([
      { code: await localId(doc.source, "component", "8l4ygp009s5s"), name: "API", old_status: "operational", new_status: "partial_outage" },
      { code: await localId(doc.source, "component", "r7k9kqqdw1ck"), name: "Web hosting", old_status: "operational", new_status: "degraded_performance" },
    ]);
    // Uptime history has the outage at the source's times.
    const api1 = await localId(doc.source, "component", "8l4ygp009s5s");
    const history = await env.DB.prepare("SELECT from_status, to_status, changed_at FROM component_status_changes WHERE component_id = ?1 ORDER BY changed_at").bind(api1).all();
    expect(history.results).toEqual([
      { from_status: null, to_status: "operational", changed_at: "2019-03-04T20:20:01.003Z" },
      { from_status: "operational", to_status: "partial_outage", changed_at: "2026-11-28T21:31:05.230Z" },
      { from_status: "partial_outage", to_status: "operational", changed_at: "2026-11-28T22:40:12.630Z" },
    ]);

    // An empty update body gets its status's words; maintenance keeps its window.
    const quiet = await localId(doc.source, "incident", "c9w2r5t8y1ue");
    expect(await env.DB.prepare("SELECT body FROM incident_updates WHERE incident_id = ?1 AND status = 'resolved'").bind(quiet).first()).toEqual({ body: "Resolved" });
    const upcoming = await localId(doc.source, "incident", "w8t3n6q1v4xk");
    expect(await env.DB.prepare("SELECT kind, status, impact, scheduled_for, scheduled_until FROM incidents WHERE id = ?1").bind(upcoming).first()).toEqual({
      kind: "maintenance",
      status: "scheduled",
      impact: "maintenance",
      scheduled_for: "2030-01-15T07:00:00.000Z",
      scheduled_until: "2030-01-15T09:00:00.000Z",
    });
    expect(upcoming).toMatch(/^mnt_/);
  });

  it("is idempotent: the same page imported again changes nothing, not even the cache version", async () => {
    const doc = await statuspageDoc();
    expect((await importDoc(doc)).status).toBe(200);
    const rows = async () => ({
      components: await count("SELECT COUNT(*) AS n FROM components"),
      incidents: await count("SELECT COUNT(*) AS n FROM incidents"),
      updates: await count("SELECT COUNT(*) AS n FROM incident_updates"),
      changes: await count("SELECT COUNT(*) AS n FROM component_status_changes"),
      audit: await count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'status.import' AND target = ?1", doc.source),
      version: (await env.DB.prepare("SELECT value FROM status_meta WHERE key = 'version'").first<{ value: string }>())!.value,
    });
    const before = await rows();
    const again = await importDoc(doc);
    expect(await again.json()).toMatchObject({
      created: { groups: 0, components: 0, incidents: 0, maintenances: 0, updates: 0 },
      updated: { incidents: 0 },
      unchanged: { groups: 1, components: 3, incidents: 5 },
    });
    expect(await rows()).toEqual(before);
  });

  it("an incident that moved on at the source gets its new updates and status on the next import", async () => {
    const doc = await statuspageDoc();
    await importDoc(doc);
    const later = structuredClone(doc);
    const open = later.incidents!.find((i) => i.id === "y5q8gk6m2hcd")!;
    open.status = "resolved";
    open.resolved_at = "2026-11-30T10:00:00.000-05:00";
    open.updates.push({ id: "z9z9z9z9z9z9", status: "resolved", body: "All mail has been delivered.", created_at: "2026-11-30T10:00:00.000-05:00" });
    const res = await importDoc(later);
    expect(await res.json()).toMatchObject({ created: { updates: 1, incidents: 0 }, updated: { incidents: 1 } });
    const id = await localId(doc.source, "incident", "y5q8gk6m2hcd");
    expect(await env.DB.prepare("SELECT status, resolved_at FROM incidents WHERE id = ?1").bind(id).first()).toEqual({ status: "resolved", resolved_at: "2026-11-30T15:00:00.000Z" });
  });

  it("tells nobody: an import publishes no status event", async () => {
    const doc = await statuspageDoc();
    const before = await count("SELECT COUNT(*) AS n FROM status_events");
    await importDoc(doc);
    expect(await count("SELECT COUNT(*) AS n FROM status_events")).toBe(before);
  });

  it("says plainly when the address is not a Statuspage page", async () => {
    await expect(readStatuspage(`${fakeProviders.url()}/statuspage/not-statuspage`)).rejects.toThrow(/HTTP 404 \(is this a Statuspage page\?/);
  });
});

describe("import from a cState site", () => {
  it("imports categories, systems and the issues of content/issues (not drafts), with their updates and dates", async () => {
    const doc = { ...cstateSite("status.example-host.test"), source: `cstate:${unique("site")}` };
    const res = await importDoc(doc);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toMatchObject({ created: { groups: 2, components: 5, incidents: 3, maintenances: 0, updates: 6 } });

    const mailDelays = await localId(doc.source, "incident", "2026-09-14-mail-delays");
    const updates = await env.DB.prepare("SELECT status, body, display_at FROM incident_updates WHERE incident_id = ?1 ORDER BY display_at").bind(mailDelays).all();
    expect(updates.results).toEqual([
      { status: "investigating", body: "Incoming mail is delayed by up to an hour. We are looking into it.", display_at: "2026-09-14T07:45:00.000Z" },
      { status: "monitoring", body: "A fix is in place and the backlog is shrinking.", display_at: "2026-09-14T08:40:00.000Z" },
      { status: "resolved", body: "All delayed mail has been delivered.", display_at: "2026-09-14T09:30:00.000Z" },
    ]);
    expect(await env.DB.prepare("SELECT status, impact, created_at, resolved_at FROM incidents WHERE id = ?1").bind(mailDelays).first()).toEqual({
      status: "resolved",
      impact: "minor",
      created_at: "2026-09-14T07:45:00.000Z",
      resolved_at: "2026-09-14T09:30:00.000Z",
    });

    // "affected: infrastructure" names a category: its systems are affected; a zone in the date is kept.
    const outage = await localId(doc.source, "incident", "2026-10-02-network-outage");
    expect(await env.DB.prepare("SELECT impact, created_at, resolved_at FROM incidents WHERE id = ?1").bind(outage).first()).toEqual({
      impact: "major",
      created_at: "2026-10-02T11:05:00.000Z",
      resolved_at: "2026-10-02T11:52:00.000Z",
    });
    const linked = await env.DB.prepare("SELECT c.name FROM incident_components ic JOIN components c ON c.id = ic.component_id WHERE ic.incident_id = ?1 ORDER BY c.name").bind(outage).all<{ name: string }>();
    expect(linked.results.map((r) => r.name)).toEqual(["Mail", "Network"]);

    // An unknown system in `affected` becomes a component of its own; the draft is left out.
    const dns = await localId(doc.source, "incident", "2026-11-20-dns-checks");
    expect(await env.DB.prepare("SELECT status FROM incidents WHERE id = ?1").bind(dns).first()).toEqual({ status: "identified" });
    expect(await localId(doc.source, "component", "legacy-resolver")).toMatch(/^cmp_legacy-resolver/);
    await expect(localId(doc.source, "incident", "2026-11-25-draft")).rejects.toThrow(/was not imported/);

    const again = await importDoc(doc);
    expect(await again.json()).toMatchObject({ created: { groups: 0, components: 0, incidents: 0, updates: 0 }, unchanged: { groups: 2, components: 5, incidents: 3 } });
  });
});

describe("the import endpoint refuses", () => {
  it("without a token, with a wrong one, and without the admin scope", async () => {
    const doc = await statuspageDoc();
    expect((await importDoc(doc, {})).status).toBe(401);
    expect((await importDoc(doc, { authorization: "Bearer oob_wrong" })).status).toBe(401);
    const { secret } = await createStaffToken(env.DB, { name: `publisher-${unique()}`, scopes: ["status:write"], now: new Date() });
    expect((await importDoc(doc, { authorization: `Bearer ${secret}` })).status).toBe(403);
    expect(await count("SELECT COUNT(*) AS n FROM import_mappings WHERE source = ?1", doc.source)).toBe(0);
  });

  it("a document naming a component it does not have, changing nothing", async () => {
    const doc = await statuspageDoc();
    doc.incidents![0]!.components = ["nope00000000"];
    const res = await importDoc(doc);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain("There is no component nope00000000");
    expect(await count("SELECT COUNT(*) AS n FROM import_mappings WHERE source = ?1", doc.source)).toBe(0);
  });

  it("a malformed document with the field named, and a body over 4 MB with 413", async () => {
    const doc = await statuspageDoc();
    doc.incidents![0]!.created_at = "yesterday";
    const res = await importDoc(doc);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { fields: Record<string, string> } }).error.fields).toHaveProperty("incidents.0.created_at");
    const huge = await importDoc(JSON.stringify({ source: "statuspage:big.test", groups: [], components: [], incidents: [], pad: "x".repeat(4 * 1024 * 1024) }));
    expect(huge.status).toBe(413);
  });

  it("a maintenance without its window", () => {
    const parsed = ImportDocument.safeParse({
      source: "cstate:x",
      incidents: [{ id: "m", kind: "maintenance", name: "M", status: "scheduled", impact: "maintenance", created_at: "2026-01-01T00:00:00Z", updates: [{ id: "u", status: "scheduled", body: "b", created_at: "2026-01-01T00:00:00Z" }] }],
    });
    expect(parsed.success).toBe(false);
  });
});
