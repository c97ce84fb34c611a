// Break glass: staff post straight to the mirror with its credentials, without the Worker (the
// CLI runs postToMirror in Node; here it runs against the same fakes), and the Worker's next
// publish keeps the post in the record.
import { env } from "cloudflare:workers";
import { servicesOf } from "../helpers";
import { describe, expect, it } from "vitest";
import { postToMirror } from "../../functions/mirror/break-glass";
import { publishMirror } from "../../functions/mirror/publisher";
import { githubTarget } from "../../functions/mirror/targets/github";
import { s3Target } from "../../functions/mirror/targets/s3";
import { getIncident } from "../../functions/status/queries";
import { postIncidentUpdate } from "../../functions/status/writes";
import { makeComponents } from "../status/fixtures";
import { assuranceCheck, currentVersion, newBucket, newRepo, publishJob, type FakeBucket } from "./helpers";

async function workerPublish(settings: FakeBucket["settings"]) {
  return publishMirror(servicesOf(), publishJob(await currentVersion(env.DB), "manual"), new Date(), settings);
}

interface SummaryJson {
  status: { indicator: string };
  incidents: Array<{ id: string; name: string; shortlink: string; incident_updates: Array<{ id: string; body: string }> }>;
}

describe("a break-glass post", () => {
  it("shows on the mirror at once: the home page, the summary the embed reads, the incident's own page", async () => {
    await makeComponents(1);
    const bucket = await newBucket();
    await workerPublish(bucket.settings);
    const before = Math.max(...(await bucket.requests()).map((r) => r.seq));
    const post = await postToMirror(s3Target(bucket.settings.s3!), { text: "Our edge provider is down; we are on it" }, new Date());
    expect(post.incidentId).toMatch(/^inc_bg[a-z0-9]{12}$/);

    const puts = (await bucket.requests()).filter((r) => r.seq > before && r.method === "PUT");
    expect(puts.every((r) => r.status === 200)).toBe(true);
    expect(puts[0]!.key).toBe("_mirror/break-glass.json");
    expect(puts.at(-1)!.key).toBe("index.html");

    const home = await (await bucket.website("/")).text();
    expect(home).toMatch(/<!--mirror:urgent--><section class="urgent"><h2>Posted during the outage<\/h2><article class="card incident impact-major">/);
    expect(home).toContain(`href="/incidents/${post.incidentId}"`);
    expect(home).toContain("Our edge provider is down; we are on it");
    expect(home).toContain('data-indicator="major"');
    expect(home).toContain("Major Service Outage");

    const summary = (await (await bucket.website("/api/v2/summary.json")).json()) as SummaryJson;
    expect(summary.status.indicator).toBe("major");
    expect(summary.incidents[0]).toMatchObject({ id: post.incidentId, shortlink: `${bucket.settings.mirrorUrl}/incidents/${post.incidentId}` });

    const page = await bucket.website(`/incidents/${post.incidentId}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("<title>Our edge provider is down; we are on it · Example Hosting status</title>");
    expect(html).toMatch(/<h2 class="update-status">Investigating<\/h2>\s*<p>Our edge provider is down; we are on it<\/p>/);
    expect(html).toContain("This is a copy of");
  });

  it("is kept in the record by the Worker's next publish, with its ids and time, and imported once", async () => {
    await makeComponents(1);
    const bucket = await newBucket();
    await workerPublish(bucket.settings);
    const postedAt = new Date(Date.now() - 60_000);
    const post = await postToMirror(s3Target(bucket.settings.s3!), { text: "Edge down, we are on it", title: "Edge provider outage" }, postedAt);

    const run = await workerPublish(bucket.settings);
    expect(run.imported!.imported).toEqual([post.updateId]);
    const incident = await getIncident(env.DB, post.incidentId);
    expect(incident).toMatchObject({ name: "Edge provider outage", status: "investigating", impact: "major", startedAt: postedAt.toISOString() });
    expect(incident!.updates.map((u) => [u.id, u.displayAt])).toEqual([[post.updateId, postedAt.toISOString()]]);

    // The mirror now shows it as the live site does, under the same address.
    const home = await (await bucket.website("/")).text();
    expect(home).toContain("<!--mirror:urgent--><!--/mirror:urgent-->");
    expect(home).toMatch(/<h2>Active incidents<\/h2>[\s\S]*Edge provider outage/);
    expect((await bucket.website(`/incidents/${post.incidentId}`)).status).toBe(200);

    const again = await workerPublish(bucket.settings);
    expect(again.imported!.imported).toEqual([]);
    expect((await getIncident(env.DB, post.incidentId))!.updates).toHaveLength(1);
  });

  it("continues the open incident with each post until one resolves it", async () => {
    await makeComponents(1);
    const bucket = await newBucket();
    await workerPublish(bucket.settings);
    const target = s3Target(bucket.settings.s3!);
    const first = await postToMirror(target, { text: "Edge down." }, new Date(Date.now() - 3000));
    const second = await postToMirror(target, { text: "Failing over to our second provider.", status: "identified" }, new Date(Date.now() - 2000));
    expect(second.incidentId).toBe(first.incidentId);
    const page = await (await bucket.website(`/incidents/${first.incidentId}`)).text();
    // Newest update first, as on the live incident page.
    expect(page.indexOf("<p>Failing over")).toBeGreaterThan(0);
    expect(page.indexOf("<p>Failing over")).toBeLessThan(page.indexOf("<p>Edge down.</p>"));
    const done = await postToMirror(target, { text: "All good again.", status: "resolved" }, new Date(Date.now() - 1000));
    expect(done.incidentId).toBe(first.incidentId);
    const summary = (await (await bucket.website("/api/v2/summary.json")).json()) as SummaryJson;
    expect(summary.incidents.map((i) => i.id)).not.toContain(first.incidentId);
    const unresolved = (await (await bucket.website("/api/v2/incidents/unresolved.json")).json()) as SummaryJson;
    expect(unresolved.incidents.map((i) => i.id)).not.toContain(first.incidentId);
    const fresh = await postToMirror(target, { text: "Something else now." }, new Date());
    expect(fresh.incidentId).not.toBe(first.incidentId);

    const run = await workerPublish(bucket.settings);
    expect(run.imported!.imported).toHaveLength(4);
    expect((await getIncident(env.DB, first.incidentId))!.status).toBe("resolved");
  });

  it("posted on a mirror that still showed the incident open, never reopens it once staff resolved it live", async () => {
    await makeComponents(1);
    const bucket = await newBucket();
    await workerPublish(bucket.settings);
    const target = s3Target(bucket.settings.s3!);
    const base = Date.now() - 60_000;
    const t = (ms: number) => new Date(base + ms);
    const first = await postToMirror(target, { text: "Edge down, we are on it." }, t(0));
    await workerPublish(bucket.settings); // imported: the incident is open live too
    // Live is back; staff resolve it there at t(30 s). The mirror is not published again yet
    // (it is down, say), so a colleague still sees the incident open there and posts at t(20 s).
    const stale = await postToMirror(target, { text: "Failing over to the second provider.", status: "identified", incident: first.incidentId }, t(20_000));
    await postIncidentUpdate(servicesOf(), first.incidentId, { status: "resolved", body: "Resolved: the edge provider is back." }, "staff", t(30_000));

    const run = await workerPublish(bucket.settings);
    expect(run.imported!.imported).toEqual([stale.updateId]);
    const incident = (await getIncident(env.DB, first.incidentId))!;
    // Still resolved, and the post is in the record at its own time, between the two.
    expect(incident.status).toBe("resolved");
    expect(incident.updates.map((u) => [u.status, u.createdAt])).toEqual([
      ["resolved", t(30_000).toISOString()],
      ["identified", t(20_000).toISOString()],
      ["investigating", t(0).toISOString()],
    ]);
    const unresolved = (await (await bucket.website("/api/v2/incidents/unresolved.json")).json()) as SummaryJson;
    expect(unresolved.incidents.map((i) => i.id)).not.toContain(first.incidentId);
  });

  it("is text, never markup, on every page it reaches", async () => {
    await makeComponents(1);
    const bucket = await newBucket();
    await workerPublish(bucket.settings);
    const post = await postToMirror(s3Target(bucket.settings.s3!), { text: `<script>alert("x")</script> & <img src=x onerror=alert(1)>` }, new Date());
    for (const path of ["/", `/incidents/${post.incidentId}`]) {
      const html = await (await bucket.website(path)).text();
      expect(html, path).not.toContain("<script>alert");
      expect(html, path).not.toContain("<img src=x");
      expect(html, path).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;");
    }
  });

  it("needs a mirror the Worker published once, and says so", async () => {
    const bucket = await newBucket();
    await expect(postToMirror(s3Target(bucket.settings.s3!), { text: "Down" }, new Date())).rejects.toThrow(/the Worker must publish it once/);
  });

  it("reaches a GitHub Pages mirror as one commit, and is imported from there too", async () => {
    await makeComponents(1);
    const repo = newRepo();
    await workerPublish(repo.settings);
    const post = await postToMirror(githubTarget(repo.settings.github!), { text: "Posted to Pages" }, new Date());
    const { messages } = await repo.state();
    expect(messages.at(-1)).toBe("Break-glass post: Posted to Pages: investigating");
    expect(await repo.file(`incidents/${post.incidentId}.html`)).toContain("Posted to Pages");
    expect(JSON.parse((await repo.file("_mirror/break-glass.json"))!).entries).toHaveLength(1);
    const run = await workerPublish(repo.settings);
    expect(run.imported!.imported).toEqual([post.updateId]);
  });
});

describe("a break-glass log changed by someone else", () => {
  it("imports what is valid and refuses the rest, which shows in assurance", async () => {
    await makeComponents(1);
    const bucket = await newBucket();
    await workerPublish(bucket.settings);
    const valid = { id: "upd_bgvalid0000001", incident: "inc_bgvalid0000001", at: new Date(Date.now() - 5000).toISOString(), name: "Valid", status: "investigating", impact: "minor", body: "A real post." };
    const forged = [
      // An update to a staff incident would rewrite the record: ids must be break-glass ids.
      { ...valid, id: "upd_bgforged000001", incident: "inc_demo_mail_delay" },
      { ...valid, id: "upd_bgforged000002", components: { cmp_web: "major_outage" } },
      { ...valid, id: "upd_bgforged000003", status: "postmortem" },
    ];
    const body = new TextEncoder().encode(JSON.stringify({ format: 1, entries: [...forged, valid] }));
    await s3Target(bucket.settings.s3!).write([{ key: "_mirror/break-glass.json", body, contentType: "application/json", cacheControl: "no-cache", sha256: "" }], [], "");
    const run = await workerPublish(bucket.settings);
    expect(run.imported!.imported).toEqual([valid.id]);
    expect(run.imported!.problems).toHaveLength(3);
    expect((await assuranceCheck(env.DB, "mirror:break-glass"))!.lastError).toContain("Entry 1: incident");
    expect(await getIncident(env.DB, "inc_demo_mail_delay")).toBeNull();
  });
});
