// Staff text is normalised as report text is (issue 8): one control character in an update
// made both feeds invalid XML, so every feed reader failed until the incident aged out. The
// feeds also drop whatever XML 1.0 forbids, for rows stored before the fix.
import { env } from "cloudflare:workers";
import { SaxesParser } from "saxes";
import { describe, expect, it } from "vitest";
import { forgetVersion } from "../../functions/status/cache";
import { fetchWorker, postJson, staffHeaders, unique } from "../helpers";
import { createIncident, createMaintenance, hoursFromNow, makeComponents, postUpdate } from "./fixtures";

/** Every code unit an attacker (or a paste from a terminal) can put into staff text; the
 * surrogates are lone (low before high). Tab, newline and carriage return are line breaks and
 * spacing, which the normaliser keeps or unifies. */
const C0 = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).filter((ch) => !"\t\n\r".includes(ch)).join("");
const HOSTILE = `${C0}\u007f\u0085\ufffe\uffff\udfff\ud800\u202a\u202b\u202d\u202e\u2066\u2067\u2068\u2069`;
/** Characters XML 1.0 forbids, and the bidi controls that make text read as something else. */
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/u;

/** Parses a document with a conforming XML parser; answers its well-formedness errors. */
function xmlErrors(text: string): string[] {
  const errors: string[] = [];
  const parser = new SaxesParser({ xmlns: true });
  parser.on("error", (err) => errors.push(err.message));
  parser.write(text).close();
  return errors;
}

async function feeds(): Promise<Array<[string, string]>> {
  return Promise.all(["/history.atom", "/history.rss"].map(async (path) => [path, await (await fetchWorker(path)).text()] as [string, string]));
}

describe("staff text is normalised before it is stored", () => {
  it("an incident and an update full of control, bidi and non-characters store clean text; feeds parse; the page renders", async () => {
    const { ids } = await makeComponents(1);
    const tag = unique("ctl");
    const id = await createIncident({ name: `Mail ${HOSTILE}delayed ${tag}`, body: `First${HOSTILE} line\n\nSecond\tline`, components: { [ids[0]!]: "degraded_performance" } });
    const update = await postUpdate(id, { status: "identified", body: `Cause${HOSTILE} found ${tag}\nA queue was full.` });
    expect(update.status).toBe(201);

    const incident = await env.DB.prepare("SELECT name FROM incidents WHERE id = ?1").bind(id).first<{ name: string }>();
    expect(incident!.name).toBe(`Mail delayed ${tag}`);
    const { results } = await env.DB.prepare("SELECT body FROM incident_updates WHERE incident_id = ?1 ORDER BY created_at").bind(id).all<{ body: string }>();
    for (const { body } of results) expect(body).not.toMatch(FORBIDDEN);
    expect(results.map((r) => r.body)).toContain(`Cause found ${tag}\nA queue was full.`);

    for (const [path, text] of await feeds()) {
      expect(xmlErrors(text), path).toEqual([]);
      expect(text, path).toContain(`Mail delayed ${tag}`);
    }
    const page = await fetchWorker(`/incidents/${id}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`Mail delayed ${tag}`);
    expect(html).toContain(`Cause found ${tag}`);
    expect(html).not.toMatch(FORBIDDEN);
  });

  it("a maintenance's name and text are normalised too", async () => {
    const { ids } = await makeComponents(1);
    const tag = unique("mnt");
    const id = await createMaintenance({ name: `Router ${HOSTILE}update ${tag}`, body: `Brief${HOSTILE} loss.`, scheduled_for: hoursFromNow(48), scheduled_until: hoursFromNow(49), components: [ids[0]!] });
    const row = await env.DB.prepare("SELECT name FROM incidents WHERE id = ?1").bind(id).first<{ name: string }>();
    expect(row!.name).toBe(`Router update ${tag}`);
    for (const [path, text] of await feeds()) expect(xmlErrors(text), path).toEqual([]);
  });

  it("text that is nothing but control characters is refused as empty, naming the field", async () => {
    const res = await postJson("/api/admin/incidents", { name: HOSTILE, body: HOSTILE }, staffHeaders());
    expect(res.status).toBe(400);
    const err = (await res.json()) as { error: { fields: Record<string, string> } };
    expect(Object.keys(err.error.fields).sort()).toEqual(["body", "name"]);
  });
});

describe("the feeds drop what XML forbids, whatever is stored", () => {
  it("a row stored before normalisation existed still gives feeds that parse", async () => {
    const tag = unique("old");
    const id = `inc_${tag.replace(/[^a-z0-9]/g, "")}`;
    const at = new Date().toISOString();
    // Written behind the API's back, as rows from before the fix are.
    await env.DB.batch([
      env.DB.prepare("INSERT INTO incidents (id, kind, name, status, impact, created_at, updated_at, started_at) VALUES (?1, 'incident', ?2, 'investigating', 'minor', ?3, ?3, ?3)").bind(id, `Old ${HOSTILE}row ${tag}`, at),
      env.DB.prepare("INSERT INTO incident_updates (id, incident_id, status, body, created_at, display_at, updated_at) VALUES (?1, ?2, 'investigating', ?3, ?4, ?4, ?4)").bind(`upd_${tag}`, id, `Body ${HOSTILE}text`, at),
      env.DB.prepare("UPDATE status_meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'version'"),
    ]);
    forgetVersion(env.DB);
    for (const [path, text] of await feeds()) {
      expect(xmlErrors(text), path).toEqual([]);
      expect(text, path).toContain(`Old `);
      expect(text, path).toContain(tag);
    }
    expect((await fetchWorker(`/incidents/${id}`)).status).toBe(200);
  });
});
