// Status in the console: open an incident from a template with a preview that posts nothing,
// post updates (status, impact, components, postmortem) in one form, the notify/social choice
// stored with each update, maintenance in UTC, one-tap component status, and every input
// refused with its message and the input kept. What staff post is escaped everywhere.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { listAnnouncementsOf, listPendingAnnouncements, markAnnouncementDone } from "../../functions/announcements/queries";
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

    const announcements = [...(await listAnnouncementsOf(env.DB, incident.id)).values()];
    expect(announcements).toHaveLength(1);
    expect(announcements[0]).toMatchObject({ notifySubscribers: true, postSocial: false, requestedBy: s.name, subscribersDoneAt: null });

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

    const announcements = await listAnnouncementsOf(env.DB, incident.id);
    expect([...announcements.values()].map((a) => [a.notifySubscribers, a.postSocial]).sort()).toEqual([
      [false, true],
      [false, false],
    ].sort());

    const after = textOf(await (await consoleGet(`/admin/incidents/${incident.id}?done=update-posted`, s)).text());
    expect(after).toContain("Update posted: the status page shows it now.");
    expect(after).toContain("Postmortem");
    expect(after).toContain("to be posted to social accounts");
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
    expect((await listAnnouncementsOf(env.DB, m.id)).size).toBe(1);
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

describe("the announcement outbox (the seam for the subscriber and social senders)", () => {
  it("lists pending updates per side oldest first, and marks each side done once", async () => {
    const s = await signedIn("publisher");
    const name = unique("Outbox");
    await consolePost("/admin/incidents", s, { name, status: "investigating", impact: "minor", body: "x", notify_subscribers: "1", post_social: "1", intent: "post" });
    const incident = (await incidentNamed(name))!;
    const [a] = [...(await listAnnouncementsOf(env.DB, incident.id)).values()];
    const pending = async (side: "subscribers" | "social") => (await listPendingAnnouncements(env.DB, side, 1000)).some((p) => p.updateId === a!.updateId);
    expect([await pending("subscribers"), await pending("social")]).toEqual([true, true]);
    expect(await markAnnouncementDone(env.DB, a!.updateId, "subscribers", new Date().toISOString())).toBe(true);
    expect(await markAnnouncementDone(env.DB, a!.updateId, "subscribers", new Date().toISOString())).toBe(false);
    expect([await pending("subscribers"), await pending("social")]).toEqual([false, true]);
  });
});
