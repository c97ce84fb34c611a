// The dashboard's assurance panel: drifts, the weekly test page, and customers reporting with
// the one tap that says so on the status page (publishers only; CSRF like every console form).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { forgetVersion } from "../../functions/status/cache";
import { fetchWorker, unique } from "../helpers";
import { makeComponents } from "../status/fixtures";
import { consoleGet, consolePost, signedIn, textOf } from "./helpers";

async function fileReports(componentId: string, count: number) {
  const at = new Date().toISOString();
  await env.DB.batch(
    Array.from({ length: count }, (_, i) => {
      const id = unique("rep");
      return env.DB.prepare(
        `INSERT INTO reports (id, reference, view_token_hash, channel, state, urgency, subject, component_id, text_hash, created_at, reporter_email)
         VALUES (?1, ?2, 'x', 'web', 'new', 'high', 'Mail is down', ?3, ?1, ?4, ?5)`,
      ).bind(id, `R-${id.slice(-8).toUpperCase()}`, componentId, at, `c${i}-${id}@example.test`);
    }),
  );
}

describe("the assurance panel", () => {
  it("lists what is drifting and the weekly test page", async () => {
    const key = `drift:check:${unique("channel:x")}`;
    await env.DB.prepare("INSERT INTO assurance_drifts (key, kind, subject, opened_at, last_seen_at) VALUES (?1, 'check', ?2, ?3, ?3)")
      .bind(key, `Assurance: <${key}> failed 2 times in a row`, new Date().toISOString())
      .run();
    const page = await (await consoleGet("/admin", await signedIn("responder"))).text();
    expect(textOf(page)).toContain(`Assurance: <${key}> failed 2 times in a row`);
    expect(page).not.toContain(`<${key}>`);
    expect(textOf(page)).toContain("Next test page");
  });

  it("offers a publisher one tap to say customers are reporting a component, and takes it down", async () => {
    const { ids } = await makeComponents(1);
    const [mail] = ids as [string];
    await fileReports(mail, 6);
    const publisher = await signedIn("publisher");
    const dashboard = textOf(await (await consoleGet("/admin", publisher)).text());
    expect(dashboard).toContain(`Component ${mail} 6 reporters in 10 min Say so on the status page`);

    // Without the CSRF token nothing changes.
    expect((await consolePost("/admin/report-signals/show", publisher, { component: mail }, { csrf: null })).status).toBe(403);
    const res = await consolePost("/admin/report-signals/show", publisher, { component: mail });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin?done=report-signal-shown");
    forgetVersion(env.DB);
    await env.DB.prepare("UPDATE status_meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'version'").run();
    expect(await (await fetchWorker("/")).text()).toContain(`We are receiving reports of problems with Component ${mail} and are investigating.`);

    expect((await consolePost("/admin/report-signals/hide", publisher, { key: `component:${mail}` })).status).toBe(303);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM report_signal_shown WHERE subject_key = ?1").bind(`component:${mail}`).first("n")).toBe(0);
  });

  it("gives a responder no button and refuses the tap", async () => {
    const { ids } = await makeComponents(1);
    const [web] = ids as [string];
    await fileReports(web, 6);
    const responder = await signedIn("responder");
    expect(textOf(await (await consoleGet("/admin", responder)).text())).not.toContain(`Component ${web} 6 reporters in 10 min Say so`);
    expect((await consolePost("/admin/report-signals/show", responder, { component: web })).status).toBe(403);
    expect((await consolePost("/admin/report-signals/show", null, { component: web })).status).not.toBe(303);
  });
});
