// Known problems first: during an open incident the report form (and the API's answer) says
// "We already know about: Mail delayed, investigating", and a reporter can say their problem
// is that one. Such a report is stored and linked to the incident (staff see how many are
// affected) and reaches on-call in the digest, not as a new page. "Something else" pages.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createIncident } from "../../functions/status/writes";
import { servicesOf, staffHeaders } from "../helpers";
import { call, postApi, postForm, referenceFrom, uniqueReport } from "./helpers";

let incidentId = "";
let incidentName = "";

beforeAll(async () => {
  incidentName = `Mail delayed ${crypto.randomUUID().slice(0, 6)}`;
  incidentId = await createIncident(servicesOf(), { name: incidentName, status: "investigating", impact: "minor", body: "Outgoing mail is delayed.", components: {} }, "test", new Date());
});

describe("the report form during an incident", () => {
  it("shows what we already know about first, with 'Something else' chosen by default", async () => {
    const page = await (await call("/report")).text();
    expect(page).toContain("We already know about");
    expect(page).toContain(incidentName);
    expect(page).toContain(`value="${incidentId}"`);
    expect(page).toMatch(/value="other" checked/);
    expect(page.indexOf(incidentName)).toBeLessThan(page.indexOf('name="subject"'));
  });

  it("links a report that names the incident to it, and staff count the affected", async () => {
    const res = await postForm(uniqueReport({ incident: incidentId }));
    expect(res.status).toBe(303);
    const reference = referenceFrom(res.headers.get("location"));
    const row = await env.DB.prepare("SELECT incident_id FROM reports WHERE reference = ?1").bind(reference).first<{ incident_id: string }>();
    expect(row!.incident_id).toBe(incidentId);
    const list = (await (await call(`/api/admin/reports?incident=${incidentId}`, { headers: staffHeaders() })).json()) as { reports: Array<{ reference: string; incident_id: string }> };
    expect(list.reports.map((r) => r.reference)).toContain(reference);
  });

  it("files 'Something else' as an ordinary report", async () => {
    const res = await postForm(uniqueReport({ incident: "other" }));
    const row = await env.DB.prepare("SELECT incident_id FROM reports WHERE reference = ?1").bind(referenceFrom(res.headers.get("location"))).first<{ incident_id: string | null }>();
    expect(row!.incident_id).toBeNull();
  });

  it("refuses an incident that is not open, keeping the input, with a message at the choice", async () => {
    const res = await postForm(uniqueReport({ incident: "inc_doesnotexist" }));
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).toContain("That problem is no longer open");
    expect(page).toContain("All sites on web12 answer 502");
  });
});

describe("the JSON API during an incident", () => {
  it("answers with the known incidents first, and takes one by id", async () => {
    const res = await postApi(uniqueReport({ incident: incidentId }));
    expect(res.status).toBe(201);
    const body = (await res.json()) as { known_incidents: Array<{ id: string; name: string; status: string; url: string }>; reference: string; incident: string };
    expect(Object.keys(body)[0]).toBe("known_incidents");
    expect(body.known_incidents).toContainEqual({ id: incidentId, name: incidentName, status: "investigating", url: expect.stringContaining(`/incidents/${incidentId}`) });
    expect(body.incident).toBe(incidentId);
  });

  it("refuses an unknown incident id with a field message", async () => {
    const res = await postApi(uniqueReport({ incident: "inc_nope" }));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; fields: Record<string, string> } };
    expect(body.error.fields.incident).toContain("no longer open");
  });
});
