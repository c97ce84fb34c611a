// With no on-call configuration, a report still raises an alert, and the fact that nobody was
// paged is said loudly: in the timeline and in assurance. (A file of its own: no config here.)
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { escalateDueAlerts, handleReportReceived } from "../../functions/alerts/lifecycle";
import { unique } from "../helpers";
import { alertOfReport, eventsOf, insertReport, testEnv } from "./helpers";

describe("an alert nobody can be paged for", () => {
  it("is recorded as unrouted and flagged in assurance", async () => {
    const t = testEnv();
    const r = await insertReport({ subject: "Everything is down", componentId: unique("cmp") });
    await handleReportReceived(t.svc, r.job, new Date());
    const alertId = (await alertOfReport(r.id))!;
    expect(alertId).toMatch(/^al_/);
    expect((await eventsOf(alertId)).map((e) => e.type)).toEqual(["raised", "unrouted"]);
    expect(t.queued).toEqual([]);
    expect(await escalateDueAlerts(t.svc, new Date(Date.now() + 3_600_000))).toBe(0);
    const check = await env.DB.prepare("SELECT last_error FROM assurance_checks WHERE name = 'oncall:routing'").first<{ last_error: string }>();
    expect(check!.last_error).toContain("no on-call configuration is loaded");
  });
});
