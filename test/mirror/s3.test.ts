// Publishing to an S3-compatible bucket, against the loopback fake that checks every SigV4
// signature with its own implementation (scripts/lib/local-s3.mjs): what is uploaded, in which
// order, with which content types and cache headers; only changed files; failures retried and
// shown in assurance.
import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { servicesOf } from "../helpers";
import { describe, expect, it, vi } from "vitest";
import worker from "../../functions/index";
import { publishMirror, publishNewerVersion } from "../../functions/mirror/publisher";
import { runJob } from "../../functions/queue/consumer";
import { claimTarget, loadTargetStates } from "../../functions/mirror/queries";
import { s3Target } from "../../functions/mirror/targets/s3";
import { BASE, staffHeaders } from "../helpers";
import { createIncident, makeComponents } from "../status/fixtures";
import { assuranceCheck, currentVersion, envWith, newBucket, publishJob, type FakeBucket } from "./helpers";

async function publish(bucket: FakeBucket, reason: "change" | "hourly" | "manual" = "manual") {
  return publishMirror(servicesOf(), publishJob(await currentVersion(env.DB), reason), new Date(), bucket.settings);
}

const puts = async (bucket: FakeBucket, after = 0) => (await bucket.requests()).filter((r) => r.method === "PUT" && r.seq > after);
const lastSeq = async (bucket: FakeBucket) => Math.max(0, ...(await bucket.requests()).map((r) => r.seq));

describe("publishing to an S3-compatible bucket", () => {
  it("uploads every file signed (the bucket checks each signature), with its type and cache headers, the home page last", async () => {
    await makeComponents(1);
    const bucket = await newBucket();
    const run = await publish(bucket);
    expect(run.results).toEqual([expect.objectContaining({ target: "s3", ok: true })]);
    const sent = await puts(bucket);
    expect(sent.every((r) => r.status === 200 && r.error === null)).toBe(true);
    expect(sent.length).toBe(run.snapshot!.files + 1);
    // The index after everything else; the manifest just before it.
    expect(sent.map((r) => r.key).slice(-2)).toEqual(["_mirror/manifest.json", "index.html"]);
    const byKey = new Map(sent.map((r) => [r.key, r]));
    expect(byKey.get("index.html")).toMatchObject({ contentType: "text/html; charset=utf-8", cacheControl: "public, max-age=60" });
    expect(byKey.get("history")).toMatchObject({ contentType: "text/html; charset=utf-8", cacheControl: "public, max-age=60" });
    expect(byKey.get("api/v2/summary.json")).toMatchObject({ contentType: "application/json; charset=utf-8", cacheControl: "public, max-age=60" });
    expect(byKey.get("history.atom")!.contentType).toMatch(/^application\/atom\+xml/);
    expect(byKey.get("badge.svg")!.contentType).toMatch(/^image\/svg\+xml/);
    expect(byKey.get("logo.svg")).toMatchObject({ cacheControl: "public, max-age=3600" });
    expect(byKey.get("_mirror/manifest.json")).toMatchObject({ contentType: "application/json", cacheControl: "no-cache" });

    // What a reader's browser gets from the bucket's website endpoint.
    const home = await bucket.website("/");
    expect(home.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await home.text()).toContain("This is a copy of");
    const summary = await bucket.website("/api/v2/summary.json", { headers: { origin: "https://customer.example" } });
    expect(summary.headers.get("access-control-allow-origin")).toBe("*");
    const missing = await bucket.website("/incidents/nothing-here");
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("How to reach us when everything is down");
  });

  it("sends only what changed: a new incident is its page, the pages and data that list it, the manifest and the home page", async () => {
    const { ids } = await makeComponents(1);
    const bucket = await newBucket();
    await publish(bucket);
    const before = await lastSeq(bucket);
    const id = await createIncident({ name: "Only changed files", components: { [ids[0]!]: "partial_outage" } });
    const run = await publish(bucket);
    const sent = (await puts(bucket, before)).map((r) => r.key);
    // Within a rank uploads run side by side: compare as sets, and the order of the ranks.
    expect([...sent].sort()).toEqual([...run.results[0]!.outcome!.uploaded].sort());
    expect(sent).toContain(`incidents/${id}`);
    expect(sent).toContain("api/v2/summary.json");
    expect(sent).toContain("api/v2/incidents/unresolved.json");
    expect(sent).toContain("history.atom");
    expect(sent).toContain("badge.svg");
    expect(sent.slice(-2)).toEqual(["_mirror/manifest.json", "index.html"]);
    for (const unchanged of ["favicon.svg", "logo.svg", "local-time.js", "404.html", "_mirror/incident.html", "postmortems/outgoing-mail-delays"]) {
      expect(sent, unchanged).not.toContain(unchanged);
    }
  });

  it("sends the home page and the manifest only when nothing changed (the hourly refresh)", async () => {
    await makeComponents(1);
    const bucket = await newBucket();
    await publish(bucket);
    const before = await lastSeq(bucket);
    await publish(bucket);
    expect((await puts(bucket, before)).map((r) => r.key)).toEqual(["_mirror/manifest.json", "index.html"]);
  });

  it("removes a page the snapshot no longer has, after the home page; and a bucket wiped by hand is filled again", async () => {
    await makeComponents(1);
    const bucket = await newBucket();
    await publish(bucket);
    const target = s3Target(bucket.settings.s3!);
    const manifest = JSON.parse(new TextDecoder().decode((await target.read("_mirror/manifest.json"))!)) as { files: Record<string, unknown> };
    manifest.files["incidents/inc_gone"] = { sha256: "0".repeat(64), size: 1, type: "text/html; charset=utf-8" };
    const body = new TextEncoder().encode(JSON.stringify(manifest));
    await target.write([{ key: "incidents/inc_gone", body, contentType: "text/html", cacheControl: "no-cache", sha256: "0".repeat(64) }, { key: "_mirror/manifest.json", body, contentType: "application/json", cacheControl: "no-cache", sha256: "0".repeat(64) }], [], "");
    let before = await lastSeq(bucket);
    const run = await publish(bucket);
    expect(run.results[0]!.outcome!.removed).toEqual(["incidents/inc_gone"]);
    const after = (await bucket.requests()).filter((r) => r.seq > before);
    const indexAt = after.findIndex((r) => r.method === "PUT" && r.key === "index.html");
    const deleteAt = after.findIndex((r) => r.method === "DELETE" && r.key === "incidents/inc_gone");
    expect(deleteAt).toBeGreaterThan(indexAt);
    expect((await bucket.website("/incidents/inc_gone")).status).toBe(404);

    await target.write([], ["_mirror/manifest.json"], "");
    before = await lastSeq(bucket);
    const refill = await publish(bucket);
    expect((await puts(bucket, before)).length).toBe(refill.snapshot!.files + 1);
  });

  it("is refused by the bucket when signed with the wrong secret: the failure shows in assurance and in the target's state", async () => {
    await makeComponents(1);
    const bucket = await newBucket({ secretAccessKey: "not-the-secret" });
    const run = await publish(bucket);
    expect(run.results[0]).toMatchObject({ ok: false, retryable: false });
    expect(run.results[0]!.error).toContain("403 SignatureDoesNotMatch");
    expect((await bucket.requests()).every((r) => r.error === "SignatureDoesNotMatch")).toBe(true);
    expect((await puts(bucket)).some((r) => r.status === 200)).toBe(false);
    const check = await assuranceCheck(env.DB, "mirror:s3");
    expect(check!.lastError).toContain("SignatureDoesNotMatch");
    const state = (await loadTargetStates(env.DB)).get("s3")!;
    expect(state.failures).toBeGreaterThan(0);
    expect(state.leaseUntil).toBeNull();
  });

  it("is refused with the wrong region too (the region is part of the signature's scope)", async () => {
    await makeComponents(1);
    const bucket = await newBucket({ region: "us-west-2" });
    const run = await publish(bucket);
    expect(run.results[0]!.error).toContain("AuthorizationHeaderMalformed");
  });
});

describe("the publish job", () => {
  it("is retried by the queue when the bucket fails, and the retry publishes (assurance says so both times)", async () => {
    await makeComponents(1);
    const bucket = await newBucket();
    const workerEnv = envWith(env, bucket.settings);
    await bucket.fail([{ status: 503, code: "SlowDown", message: "Please reduce your request rate." }], "index.html");
    const version = await currentVersion(env.DB);
    const first = createMessageBatch("outofband-fanout", [{ id: "m-mirror-1", timestamp: new Date(), attempts: 1, body: publishJob(version, "manual") }]);
    const retry = vi.spyOn(first.messages[0]!, "retry");
    await worker.queue(first, workerEnv, createExecutionContext());
    expect(retry).toHaveBeenCalledWith({ delaySeconds: 5 });
    expect((await assuranceCheck(env.DB, "mirror:s3"))!.lastError).toContain("503 SlowDown");
    expect((await bucket.website("/")).status).toBe(404);

    const second = createMessageBatch("outofband-fanout", [{ id: "m-mirror-1", timestamp: new Date(), attempts: 2, body: publishJob(version, "manual") }]);
    const ctx = createExecutionContext();
    await worker.queue(second, workerEnv, ctx);
    expect((await getQueueResult(second, ctx)).explicitAcks).toEqual(["m-mirror-1"]);
    const check = await assuranceCheck(env.DB, "mirror:s3");
    expect(Date.parse(check!.lastVerifiedAt!)).toBeGreaterThan(Date.parse(check!.lastErrorAt!));
    expect((await loadTargetStates(env.DB)).get("s3")).toMatchObject({ failures: 0, publishedVersion: version });
    expect((await bucket.website("/")).status).toBe(200);
  });

  it("leaves a long outage to the cron after a few attempts instead of dead-lettering it", async () => {
    await makeComponents(1);
    const bucket = await newBucket();
    await bucket.fail([{ status: 500, code: "InternalError" }], "index.html");
    const batch = createMessageBatch("outofband-fanout", [{ id: "m-mirror-2", timestamp: new Date(), attempts: 3, body: publishJob(await currentVersion(env.DB), "manual") }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, envWith(env, bucket.settings), ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["m-mirror-2"]);
    expect((await assuranceCheck(env.DB, "mirror:s3"))!.lastError).toContain("InternalError");
  });

  it("publishes a version once: a repeated delivery finds the bucket holds it and sends nothing", async () => {
    await makeComponents(1);
    const bucket = await newBucket();
    const workerEnv = envWith(env, bucket.settings);
    await publishMirror(servicesOf(workerEnv), publishJob(0, "manual"), new Date(), bucket.settings);
    const version = await currentVersion(env.DB);
    const before = await lastSeq(bucket);
    for (const id of ["m-dup-1", "m-dup-2"]) {
      const batch = createMessageBatch("outofband-fanout", [{ id, timestamp: new Date(), attempts: 1, body: publishJob(version) }]);
      const ctx = createExecutionContext();
      await worker.queue(batch, workerEnv, ctx);
      expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual([id]);
    }
    expect(await puts(bucket, before)).toEqual([]);
  });

  it("waits while another publish holds the target (the queue brings it back)", async () => {
    await makeComponents(1);
    const bucket = await newBucket();
    const now = new Date();
    expect(await claimTarget(env.DB, "s3", now.toISOString(), new Date(now.getTime() + 60_000).toISOString())).toBe(true);
    const batch = createMessageBatch("outofband-fanout", [{ id: "m-busy-1", timestamp: new Date(), attempts: 1, body: publishJob(await currentVersion(env.DB), "manual") }]);
    const retry = vi.spyOn(batch.messages[0]!, "retry");
    await worker.queue(batch, envWith(env, bucket.settings), createExecutionContext());
    expect(retry).toHaveBeenCalled();
    expect(await puts(bucket)).toEqual([]);
    await env.DB.prepare("UPDATE mirror_targets SET lease_until = NULL WHERE target = 's3'").run();
  });

  it("run inline, finds the target held and leaves it to the holder, quietly: the queued copy is the safety net", async () => {
    await makeComponents(1);
    const bucket = await newBucket();
    const now = new Date();
    expect(await claimTarget(env.DB, "s3", now.toISOString(), new Date(now.getTime() + 60_000).toISOString())).toBe(true);
    await expect(runJob(publishJob(await currentVersion(env.DB)), servicesOf(envWith(env, bucket.settings)))).resolves.toBeUndefined();
    expect(await puts(bucket)).toEqual([]);
    await env.DB.prepare("UPDATE mirror_targets SET lease_until = NULL WHERE target = 's3'").run();
  });

  it("a publish that held the target sends on, at once, the version a write made meanwhile", async () => {
    const { ids } = await makeComponents(1);
    const bucket = await newBucket();
    const run = await publish(bucket);
    expect(run.results.map((r) => r.ok)).toEqual([true]);
    const dispatch = vi.fn(async () => undefined);
    const svc = { db: env.DB, queue: { send: vi.fn(async () => undefined), sendAll: vi.fn(async () => undefined), dispatch } };
    // Nothing newer: nothing sent.
    await publishNewerVersion(svc, run);
    expect(dispatch).not.toHaveBeenCalled();
    // A write while the run held the lease (its own publish found the target busy).
    await createIncident({ name: "Written during a publish", components: { [ids[0]!]: "partial_outage" } });
    const version = await currentVersion(env.DB);
    expect(version).toBeGreaterThan(run.version!);
    await publishNewerVersion(svc, run);
    expect(dispatch.mock.calls).toEqual([[{ type: "mirror.publish", version, reason: "change" }]]);
    // A run that published nothing (busy, or failed) leaves it to the retries.
    dispatch.mockClear();
    await publishNewerVersion(svc, { ...run, results: [], busy: ["s3"] });
    await publishNewerVersion(svc, { ...run, results: [{ target: "s3", ok: false, error: "down", retryable: true, ms: 1 }] });
    expect(dispatch).not.toHaveBeenCalled();
  });

  it("follows every staff write: its status.published event publishes the version the write made", async () => {
    const { ids } = await makeComponents(1);
    const bucket = await newBucket();
    const sent = vi.spyOn(env.FANOUT, "send");
    const ctx = createExecutionContext();
    const body = JSON.stringify({ name: "Tell the mirror", status: "investigating", impact: "major", body: "Looking.", components: { [ids[0]!]: "degraded_performance" } });
    const res = await worker.fetch(
      new Request(`${BASE}/api/admin/incidents`, { method: "POST", headers: staffHeaders({ "content-type": "application/json" }), body }),
      envWith(env, bucket.settings),
      ctx,
    );
    expect(res.status).toBe(201);
    await waitOnExecutionContext(ctx);
    const version = await currentVersion(env.DB);
    // Run after the answer (the status.published consumer), with the queued copy as the safety net.
    expect(sent.mock.calls.map((c) => c[0])).toContainEqual({ type: "mirror.publish", version, reason: "change" });
    sent.mockRestore();
    expect((await loadTargetStates(env.DB)).get("s3")).toMatchObject({ publishedVersion: version });
    expect(BASE).toBe(env.PUBLIC_URL);
  });
});

describe("a change larger than one publish sends", () => {
  it("goes in shares (a manifest true after each, the home page with the last), continued through the queue", async () => {
    await makeComponents(1);
    const bucket = await newBucket();
    const settings = { ...bucket.settings, uploadsPerPublish: 5 };
    const workerEnv = envWith(env, settings);
    const version = await currentVersion(env.DB);
    const sent = vi.spyOn(env.FANOUT, "send");
    let runs = 0;
    for (; runs < 20; runs++) {
      const before = await lastSeq(bucket);
      const batch = createMessageBatch("outofband-fanout", [{ id: `m-share-${runs}`, timestamp: new Date(), attempts: 1, body: publishJob(version, "change") }]);
      const ctx = createExecutionContext();
      await worker.queue(batch, workerEnv, ctx);
      expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual([`m-share-${runs}`]);
      const keys = (await puts(bucket, before)).map((r) => r.key);
      if (keys.includes("index.html")) break;
      // A share: at most five files and the manifest; the home page not yet; the job sent again.
      expect(keys.length).toBeLessThanOrEqual(6);
      expect(keys.at(-1)).toBe("_mirror/manifest.json");
      expect((await bucket.website("/")).status).toBe(404);
      expect(sent).toHaveBeenLastCalledWith(publishJob(version, "change"));
    }
    sent.mockRestore();
    expect(runs).toBeGreaterThan(2);
    expect((await loadTargetStates(env.DB)).get("s3")).toMatchObject({ publishedVersion: version, failures: 0 });
    // Everything arrived exactly once, and the next publish has nothing left but the index.
    const all = (await puts(bucket)).map((r) => r.key).filter((k) => k !== "_mirror/manifest.json" && k !== "index.html");
    expect(new Set(all).size).toBe(all.length);
    const before = await lastSeq(bucket);
    await publishMirror(servicesOf(), publishJob(version, "manual"), new Date(), settings);
    expect((await puts(bucket, before)).map((r) => r.key)).toEqual(["_mirror/manifest.json", "index.html"]);
  });
});
