// Status in the console: open an incident from a template with a preview that posts nothing,
// post updates (status, impact, components, postmortem) in one form, the notify/social choice
// carried by each write's status.published event and the real delivery progress shown under
// each update, maintenance in UTC, one-tap component status, and every input refused with its
// message and the input kept. What staff post is escaped everywhere.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { publishedChoicesOf } from "../../functions/status/queries";
import { fetchWorker, unique } from "../helpers";
import { makeComponents } from "../status/fixtures";
import { consoleGet, consolePost, signedIn, textOf } from "./helpers";

async function incidentNamed(name: string) {
  return env.DB.prepare("SELECT * FROM incidents WHERE name = ?1").bind(name).first<{ id: string; status: string; impact: string; postmortem_slug: string | null; kind: string; scheduled_for: string | null }>();
}

async function statusOf(id: string): Promise<string> {
  return (await env.DB.prepare("SELECT status FROM components WHERE id = ?1").bind(id).first<{ status: string }>())!.status;
}

describe("opening an incident", () => {
  it("starts from a template, previews without posting, then posts it to the status page", async () => {
    const { ids } = await makeComponents(2);
    const s = await signedIn("publisher");
    const form = await consoleGet("/admin/incidents/new?template=mail-delays", s);
    const page = await form.text();
    expect(page).toContain('value="Mail delivery delayed"');
    expect(page).toContain("No mail is lost: it is queued");
    expect(page).toMatch(/name="notify_subscribers" value="1" checked/);

    const name = `Mail delivery delayed ${unique("t")}`;
    const fields = {
      name,
      status: "investigating",
      impact: "minor",
      body: "Incoming mail is delayed since 09:40.\n\nNothing is lost.",
      [`component.${ids[0]}`]: "degraded_performance",
      [`component.${ids[1]}`]: "",
      notify_subscribers: "1",
    };
    const preview = await consolePost("/admin/incidents", s, { ...fields, intent: "preview" });
    expect(preview.status).toBe(200);
    const previewText = textOf(await preview.text());
    expect(previewText).toContain("Preview: as the status page will show it (nothing is posted yet)");
    expect(previewText).toContain(`Component ${ids[0]}: Operational → Degraded performance`);
    expect(previewText).toContain("subscribers are notified, nothing is posted to social accounts");
    expect(await incidentNamed(name)).toBeNull();
    expect(await statusOf(ids[0]!)).toBe("operational");

    const posted = await consolePost("/admin/incidents", s, { ...fields, intent: "post" });
    expect(posted.status).toBe(303);
    const incident = (await incidentNamed(name))!;
    expect(posted.headers.get("location")).toBe(`/admin/incidents/${incident.id}?done=incident-opened`);
    expect(incident).toMatchObject({ status: "investigating", impact: "minor" });
    expect(await statusOf(ids[0]!)).toBe("degraded_performance");
    expect(await statusOf(ids[1]!)).toBe("operational");

    const choices = [...(await publishedChoicesOf(env.DB, incident.id)).values()];
    expect(choices).toEqual([{ subscribers: true, social: false, actor: s.name }]);

    const audit = await env.DB.prepare("SELECT actor FROM audit_log WHERE action = 'incident.create' AND target = ?1").bind(incident.id).first<{ actor: string }>();
    expect(audit!.actor).toBe(s.name);

    // On the public page within seconds (the write bumped the cache version).
    const publicPage = await fetchWorker("/");
    expect(await publicPage.text()).toContain(name);
  });

  it("refuses an incident without a title or text, with the message at the field and the input kept", async () => {
    const s = await signedIn("publisher");
    const res = await consolePost("/admin/incidents", s, { name: "  ", status: "investigating", impact: "major", body: "Kept <text>", intent: "post" });
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).toContain("Give the incident a title.");
    expect(page).toContain("Kept &lt;text&gt;</textarea>");
    expect(page).toContain('aria-invalid="true"');
  });

  it("refuses an unknown component or status in the form", async () => {
    const { ids } = await makeComponents(1);
    const s = await signedIn("publisher");
    const name = unique("Bad component");
    for (const [key, value] of [[`component.${ids[0]}`, "on_fire"], ["component.cmp_nonexistent", "major_outage"]] as const) {
      const res = await consolePost("/admin/incidents", s, { name, status: "investigating", impact: "major", body: "Text.", [key]: value, intent: "post" });
      expect(res.status).toBe(400);
    }
    expect(await incidentNamed(name)).toBeNull();
  });

  it("escapes what staff write, on the console and in the preview", async () => {
    const s = await signedIn("publisher");
    const name = `<img src=x onerror=alert(1)> ${unique("xss")}`;
    const preview = await consolePost("/admin/incidents", s, { name, status: "investigating", impact: "minor", body: "<script>alert(2)</script>", intent: "preview" });
    const html = await preview.text();
    expect(html).not.toContain("<img src=x");
    expect(html).not.toContain("<script>alert(2)");
    expect(html).toContain("&lt;script&gt;alert(2)&lt;/script&gt;");
  });
});

describe("updating an incident", () => {
  it("posts status, impact, components, postmortem and the announcement choice in one form", async () => {
    const { ids } = await makeComponents(2);
    const s = await signedIn("publisher");
    const name = unique("Web down");
    await consolePost("/admin/incidents", s, { name, status: "investigating", impact: "major", body: "Down.", [`component.${ids[0]}`]: "major_outage", [`component.${ids[1]}`]: "partial_outage", intent: "post" });
    const incident = (await incidentNamed(name))!;

    const page = textOf(await (await consoleGet(`/admin/incidents/${incident.id}`, s)).text());
    expect(page).toContain("Post an update");
    expect(page).toContain("On the status page");

    const preview = await consolePost(`/admin/incidents/${incident.id}/updates`, s, { status: "identified", impact: "critical", body: "Found it.", post_social: "1", intent: "preview" });
    expect(textOf(await preview.text())).toContain("Critical impact");
    expect((await incidentNamed(name))!.status).toBe("investigating");

    const resolved = await consolePost(`/admin/incidents/${incident.id}/updates`, s, {
      status: "resolved",
      body: "Fixed: a full disk on web12.",
      postmortem_slug: "outgoing-mail-delays",
      post_social: "1",
      intent: "post",
    });
    expect(resolved.status).toBe(303);
    expect(resolved.headers.get("location")).toBe(`/admin/incidents/${incident.id}?done=update-posted`);
    expect(await incidentNamed(name)).toMatchObject({ status: "resolved", postmortem_slug: "outgoing-mail-delays" });
    // Resolving without naming components gives the affected ones back.
    expect([await statusOf(ids[0]!), await statusOf(ids[1]!)]).toEqual(["operational", "operational"]);

    const choices = await publishedChoicesOf(env.DB, incident.id);
    expect([...choices.values()].map((a) => [a.subscribers, a.social]).sort()).toEqual([
      [false, true],
      [false, false],
    ].sort());

    const after = textOf(await (await consoleGet(`/admin/incidents/${incident.id}?done=update-posted`, s)).text());
    expect(after).toContain("Update posted: the status page shows it now.");
    expect(after).toContain("Postmortem");
    expect(after).toContain("Subscribers: not notified");
    // Social was chosen for the resolution, but no network is set up in this env: said so.
    expect(after).toContain("Social: no social account is set up.");
    expect(after).toContain(`Social: not posted (chosen by ${s.name}).`);
  });

  it("refuses a status of the other kind (a maintenance status on an incident) with the message", async () => {
    const s = await signedIn("publisher");
    const name = unique("Kind check");
    await consolePost("/admin/incidents", s, { name, status: "investigating", impact: "minor", body: "Hm.", intent: "post" });
    const incident = (await incidentNamed(name))!;
    const res = await consolePost(`/admin/incidents/${incident.id}/updates`, s, { status: "in_progress", body: "x", intent: "post" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("A incident takes one of these statuses");
  });
});

describe("maintenance and components", () => {
  it("schedules maintenance with its times read as UTC", async () => {
    const { ids } = await makeComponents(1);
    const s = await signedIn("publisher");
    const name = unique("Router update");
    const res = await consolePost("/admin/maintenance", s, {
      name,
      body: "Brief packet loss.",
      scheduled_for: "2031-03-04T22:00",
      scheduled_until: "2031-03-04T23:30",
      components: [ids[0]!],
      notify_subscribers: "1",
    });
    expect(res.status).toBe(303);
    const m = (await incidentNamed(name))!;
    expect(m).toMatchObject({ kind: "maintenance", status: "scheduled", scheduled_for: "2031-03-04T22:00:00.000Z" });
    expect([...(await publishedChoicesOf(env.DB, m.id)).values()]).toEqual([{ subscribers: true, social: false, actor: s.name }]);
  });

  it("refuses a window that ends before it starts, keeping the input", async () => {
    const s = await signedIn("publisher");
    const res = await consolePost("/admin/maintenance", s, { name: "Backwards", body: "x", scheduled_for: "2031-03-04T22:00", scheduled_until: "2031-03-04T21:00" });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain("The window must end after it starts.");
    expect(html).toContain('value="2031-03-04T21:00"');
  });

  it("changes a component's status in one tap, audited as the person", async () => {
    const { ids } = await makeComponents(1);
    const s = await signedIn("publisher");
    const res = await consolePost(`/admin/components/${ids[0]}`, s, { status: "under_maintenance" });
    expect(res.status).toBe(303);
    expect(await statusOf(ids[0]!)).toBe("under_maintenance");
    const audit = await env.DB.prepare("SELECT actor, detail FROM audit_log WHERE action = 'component.update' AND target = ?1").bind(ids[0]).first<{ actor: string; detail: string }>();
    expect(audit).toMatchObject({ actor: s.name });
    expect(JSON.parse(audit!.detail)).toEqual({ from: "operational", to: "under_maintenance" });
    expect((await consolePost(`/admin/components/${ids[0]}`, s, { status: "bogus" })).status).toBe(400);
  });

  it("shows a responder the status without the forms to change it", async () => {
    await makeComponents(1);
    const s = await signedIn("responder");
    const page = await (await consoleGet("/admin/incidents", s)).text();
    expect(page).toContain("posting it needs the publisher role");
    expect(page).not.toContain('action="/admin/components/');
  });
});

describe("delivery progress under each update", () => {
  it("shows what the subscriber sends and each network's posts have really done, from their own tables", async () => {
    const s = await signedIn("publisher");
    const name = unique("Progress");
    await consolePost("/admin/incidents", s, { name, status: "investigating", impact: "minor", body: "x", notify_subscribers: "1", post_social: "1", intent: "post" });
    const incident = (await incidentNamed(name))!;
    const [updateId] = [...(await publishedChoicesOf(env.DB, incident.id)).keys()];
    const before = textOf(await (await consoleGet(`/admin/incidents/${incident.id}`, s)).text());
    expect(before).toContain("Subscribers: nobody told so far.");

    const now = new Date().toISOString();
    const delivery = (sub: string, state: string) =>
      env.DB.prepare("INSERT INTO subscriber_deliveries (subscriber_id, update_id, event_id, state, claimed_at, sent_at) VALUES (?1, ?2, 'evt_test', ?3, ?4, ?4)").bind(unique(sub), updateId, state, now);
    const post = (network: string, state: string, error: string | null) =>
      env.DB.prepare("INSERT INTO social_posts (id, network, kind, body, state, last_error, incident_id, incident_update_id, created_at) VALUES (?1, ?2, 'update', 'x', ?3, ?4, ?5, ?6, ?7)").bind(unique(`${network}:update`), network, state, error, incident.id, updateId, now);
    await env.DB.batch([delivery("a", "sent"), delivery("b", "sent"), delivery("c", "failed"), post("x", "sent", null), post("x", "sent", null), post("mastodon", "failed", "Mastodon: HTTP 422: <b>too long</b>")]);

    const html = await (await consoleGet(`/admin/incidents/${incident.id}`, s)).text();
    const after = textOf(html);
    expect(after).toContain("Subscribers: 2 told, 1 failed.");
    expect(after).toContain("Social: Mastodon: 1 failed (Mastodon: HTTP 422: <b>too long</b>); X: 2 posted.");
    expect(html).not.toContain("<b>too long</b>"); // a provider's words are escaped
    expect(after).not.toContain("to be notified");
  });

  it("left the console's old announcement outbox behind (migration 0017 drops its table)", async () => {
    expect(await env.DB.prepare("SELECT name FROM sqlite_master WHERE name = 'status_announcements'").first()).toBeNull();
  });
});
