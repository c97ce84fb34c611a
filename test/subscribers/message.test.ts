// What subscribers are told, and how the fan-out stays within the Worker's limits: pure
// functions, table-driven.
import { describe, expect, it } from "vitest";
import wranglerToml from "../../wrangler.toml?raw";
import type { StatusPublishedJob } from "../../contract/jobs";
import { bouncedOut } from "../../functions/subscribers/bounces.pure";
import { CHUNK_SIZE, chunk, QUEUE_BATCH_SIZE, worstCaseInvocation } from "../../functions/subscribers/budget.pure";
import { confirmationMail, noticeOf, slackEscape, statusMail, webhookBody } from "../../functions/subscribers/message.pure";
import type { Component, Incident } from "../../functions/status/model.pure";

const at = "2026-12-01T22:10:00.000Z";
const component = (id: string, name: string): Component => ({
  id,
  groupId: null,
  name,
  description: null,
  status: "partial_outage",
  position: 1,
  showcase: true,
  onlyShowIfDegraded: false,
  startDate: null,
  createdAt: at,
  updatedAt: at,
});
const components = new Map([["cmp_mail", component("cmp_mail", "Mail")]]);

function incident(kind: "incident" | "maintenance", status: Incident["status"]): Incident {
  return {
    id: kind === "incident" ? "inc_1" : "mnt_1",
    kind,
    name: kind === "incident" ? "Mail delayed" : "Router upgrade",
    status,
    impact: kind === "incident" ? "major" : "maintenance",
    postmortemSlug: null,
    scheduledFor: kind === "maintenance" ? "2026-12-02T01:00:00.000Z" : null,
    scheduledUntil: kind === "maintenance" ? "2026-12-02T03:00:00.000Z" : null,
    createdAt: at,
    updatedAt: at,
    startedAt: at,
    monitoringAt: null,
    resolvedAt: null,
    updates: [{ id: "upd_1", incidentId: "x", status, body: "A full disk on mx2.", createdAt: at, displayAt: at, updatedAt: at, affected: [] }],
    componentIds: ["cmp_mail"],
  };
}

function event(kind: StatusPublishedJob["kind"], extra: Partial<StatusPublishedJob> = {}): StatusPublishedJob {
  return {
    type: "status.published",
    eventId: "evt_1",
    kind,
    incidentId: kind === "component" ? null : kind === "incident" ? "inc_1" : "mnt_1",
    updateId: kind === "component" ? null : "upd_1",
    changes: [{ componentId: "cmp_mail", from: "operational", to: "partial_outage" }],
    notify: { subscribers: true, social: true },
    actor: "ada",
    at,
    ...extra,
  };
}

const site = { siteName: "Example Hosting", unsubscribeUrl: "https://status.example/subscribe/unsubscribe/sub_x.y", allComponents: true };

describe("status mails", () => {
  it.each([
    ["incident", incident("incident", "identified"), "[Example Hosting] Mail delayed: identified", ["1 Dec 2026, 22:10 UTC · impact: major", "A full disk on mx2.", "  Mail: Partial outage (was operational)", "Details and all updates: https://status.example/incidents/inc_1"]],
    ["maintenance", incident("maintenance", "scheduled"), "[Example Hosting] Maintenance: Router upgrade (scheduled)", ["Planned from 2 Dec 2026, 01:00 UTC until 2 Dec 2026, 03:00 UTC", "Details and all updates: https://status.example/maintenance/mnt_1"]],
  ] as const)("%s: subject and text", (kind, inc, subject, lines) => {
    const notice = noticeOf(event(kind), inc, components, "https://status.example")!;
    const mail = statusMail(notice, site);
    expect(mail.subject).toBe(subject);
    for (const line of lines) expect(mail.text.split("\n")).toContain(line);
    expect(mail.text.endsWith(`Unsubscribe with one click: ${site.unsubscribeUrl}`)).toBe(true);
  });

  it("a component moved on its own", () => {
    const notice = noticeOf(event("component"), null, components, "https://status.example")!;
    expect(statusMail(notice, { ...site, allComponents: false })).toMatchObject({
      subject: "[Example Hosting] Mail: partial outage",
      text: expect.stringContaining("Mail is now partial outage (it was operational).\n"),
    });
  });

  it.each([
    ["the update is gone", event("incident", { updateId: "upd_gone" }), incident("incident", "identified")],
    ["the incident is gone", event("incident"), null],
    ["the component is gone", event("component", { changes: [{ componentId: "cmp_gone", from: "operational", to: "major_outage" }] }), null],
  ])("tells nothing when %s", (_, e, inc) => {
    expect(noticeOf(e, inc, components, "https://status.example")).toBeNull();
  });

  it("keeps a subject on one line within 200 characters, whatever the title", () => {
    const inc = { ...incident("incident", "investigating"), name: `${"Long title ".repeat(40)}\nwith a break` };
    const mail = statusMail(noticeOf(event("incident"), inc, components, "https://s")!, site);
    expect(mail.subject.length).toBeLessThanOrEqual(200);
    expect(mail.subject).not.toMatch(/[\r\n]/);
  });

  it("the confirmation names only us and the link", () => {
    const mail = confirmationMail({ siteName: "Example Hosting", confirmUrl: "https://s/subscribe/confirm/sub_x.y", statusUrl: "https://s/", hoursValid: 48 });
    expect(mail.subject).toBe("Confirm your subscription to Example Hosting status updates");
    expect(mail.text).toContain("https://s/subscribe/confirm/sub_x.y");
    expect(mail.text).toContain("The link works for 48 hours.");
  });
});

describe("chat and webhook shapes", () => {
  it.each([
    ["<!channel> down", "&lt;!channel&gt; down"],
    ["A & B", "A &amp; B"],
    ["<https://evil.example|click>", "&lt;https://evil.example|click&gt;"],
  ])("Slack text %s is escaped to %s", (raw, escaped) => {
    expect(slackEscape(raw)).toBe(escaped);
  });

  it("a component webhook has Statuspage's component_update and component", () => {
    const notice = noticeOf(event("component"), null, components, "https://status.example")!;
    const body = webhookBody(notice, { unsubscribeUrl: "u", documentationUrl: "d", page: { indicator: "minor", description: "Partial System Outage" } });
    expect(body).toMatchObject({
      meta: { unsubscribe: "u", documentation: "d", generated_at: at },
      page: { id: "outofband", status_indicator: "minor", status_description: "Partial System Outage" },
      component_update: { id: "evt_1", created_at: at, component_id: "cmp_mail", old_status: "operational", new_status: "partial_outage" },
      component: { id: "cmp_mail", name: "Mail", status: "partial_outage" },
    });
    expect(body).not.toHaveProperty("incident");
  });
});

describe("the fan-out's budget per queue invocation", () => {
  it("matches the queue's max_batch_size in wrangler.toml", () => {
    const consumer = /\[\[queues\.consumers\]\]\s*\nqueue = "outofband-fanout"\s*\nmax_batch_size = (\d+)/.exec(wranglerToml);
    expect(Number(consumer?.[1])).toBe(QUEUE_BATCH_SIZE);
  });

  it("stays far below the strictest plan's limits: 50 external, 1,000 to Cloudflare services", () => {
    const worst = worstCaseInvocation();
    expect(worst.external).toBeLessThanOrEqual(25);
    expect(worst.cloudflareServices).toBeLessThanOrEqual(500);
    expect(CHUNK_SIZE.email * QUEUE_BATCH_SIZE).toBe(250);
  });

  it.each([
    [0, 25, []],
    [3, 2, [2, 1]],
    [50, 25, [25, 25]],
    [51, 25, [25, 25, 1]],
  ])("chunk(%i items, %i) -> sizes %j", (n, size, sizes) => {
    expect(chunk(Array.from({ length: n }, (_, i) => i), size).map((c) => c.length)).toEqual(sizes);
  });
});

describe("bounces", () => {
  it.each([
    [{ hardBounces: 1, softBounces: 0 }, false],
    [{ hardBounces: 2, softBounces: 0 }, true],
    [{ hardBounces: 0, softBounces: 4 }, false],
    [{ hardBounces: 0, softBounces: 5 }, true],
    [{ hardBounces: 1, softBounces: 4 }, false],
  ])("%j -> unsubscribed %s", (counts, out) => {
    expect(bouncedOut(counts)).toBe(out);
  });
});
