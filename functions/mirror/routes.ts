// Staff routes of the mirror (scope "status:write"; requireStaff guards /api/admin/*):
//   GET  /api/admin/mirror           each target's state, the address, what is misconfigured
//   POST /api/admin/mirror/publish   publish now, whatever each target holds; the outcome per target
//   GET  /api/admin/mirror/snapshot  the snapshot as files (`npm run mirror -- export DIR`)
import { Hono } from "hono";
import * as z from "zod";
import { ApiError } from "../platform/errors";
import type { AppEnv } from "../platform/types";
import { requireScope } from "../staff/auth";
import { readVersion } from "../status/queries";
import { filesFor } from "./publish";
import { publishMirror, publishNewerVersion, workerMirrorSettings } from "./publisher";
import { loadTargetStates } from "./queries";
import { settingsProblems, targetsOf } from "./settings";
import { renderSnapshot } from "./snapshot";
import type { MirrorTarget } from "./targets/types";

const SnapshotQuery = z.object({ layout: z.enum(["files", "object-store"]).default("files") });

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export const mirrorRoutes = new Hono<AppEnv>()
  .use("/api/admin/mirror", requireScope("status:write"))
  .use("/api/admin/mirror/*", requireScope("status:write"))
  .get("/api/admin/mirror", async (c) => {
    c.header("Cache-Control", "no-store");
    const settings = workerMirrorSettings(c.env);
    const [states, version] = await Promise.all([loadTargetStates(c.env.DB), readVersion(c.env.DB)]);
    return c.json({
      mirror_url: settings.mirrorUrl,
      live_url: settings.liveUrl,
      status_version: Number(version),
      problems: settingsProblems(settings),
      targets: targetsOf(settings).map((t) => {
        const s = states.get(t.name);
        return {
          target: t.name,
          description: t.description,
          published_version: s?.publishedVersion ?? null,
          published_at: s?.publishedAt ?? null,
          last_attempt_at: s?.lastAttemptAt ?? null,
          failures: s?.failures ?? 0,
          last_error: s?.lastError ?? null,
          last_publish: s?.detail ?? null,
        };
      }),
    });
  })
  .post("/api/admin/mirror/publish", async (c) => {
    c.header("Cache-Control", "no-store");
    const settings = workerMirrorSettings(c.env);
    if (targetsOf(settings).length === 0) {
      throw new ApiError("conflict", "No mirror target is configured: set MIRROR_S3_URL or MIRROR_GITHUB_REPO (README \"The mirror\").");
    }
    const version = Number(await readVersion(c.env.DB));
    const job = { type: "mirror.publish" as const, version, reason: "manual" as const };
    const run = await publishMirror(c.get("services"), job, new Date(), settings);
    // A change too large for one publish (the first one) continues through the queue.
    if (run.incomplete.length > 0) await c.get("services").queue.send(job);
    // A write made while this publish held the mirror (an imported break-glass post's own, say).
    await publishNewerVersion(c.get("services"), run);
    return c.json({
      incomplete: run.incomplete,
      version: run.version,
      snapshot: run.snapshot,
      imported: run.imported,
      busy: run.busy,
      results: run.results.map((r) => ({
        target: r.target,
        ok: r.ok,
        error: r.error ?? null,
        ms: r.ms,
        files: r.outcome?.files ?? null,
        uploaded: r.outcome?.uploaded ?? [],
        removed: r.outcome?.removed ?? [],
        bytes: r.outcome?.bytes ?? null,
      })),
    });
  })
  .get("/api/admin/mirror/snapshot", async (c) => {
    c.header("Cache-Control", "no-store");
    const query = SnapshotQuery.safeParse({ layout: c.req.query("layout") });
    if (!query.success) throw new ApiError("bad_request", 'layout is "files" (the default) or "object-store".');
    const settings = workerMirrorSettings(c.env);
    const now = new Date();
    const snapshot = await renderSnapshot(c.env, { liveUrl: settings.liveUrl, mirrorUrl: settings.mirrorUrl || settings.liveUrl, now });
    // Laid out as that kind of target stores it (GitHub Pages' extras left out: no target here).
    const layoutOnly: MirrorTarget = { name: "s3", layout: query.data.layout, description: "export", requestPerFile: false, read: async () => null, write: async () => ({ requests: 0 }) };
    const files = await filesFor(layoutOnly, snapshot.files, { syncedAt: snapshot.syncedAt, version: null, liveUrl: settings.liveUrl, mirrorUrl: settings.mirrorUrl });
    return c.json({
      synced_at: snapshot.syncedAt,
      version: Number(await readVersion(c.env.DB)),
      layout: query.data.layout,
      files: files.map((f) => ({ key: f.key, content_type: f.contentType, cache_control: f.cacheControl, size: f.body.byteLength, base64: toBase64(f.body) })),
    });
  });
