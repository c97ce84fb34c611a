// Publishing a snapshot to one target: read the target's manifest, send what changed (the home
// page last), remove what is gone. Shared by the Worker and the Node CLI; it knows nothing of
// bindings or of how the snapshot was made.
import { manifestFile, parseManifest, planUpload, type Manifest, type MirrorFile } from "./manifest.pure";
import { cacheControlOf, keyOf, MANIFEST_KEY } from "./paths.pure";
import { sha256Hex, type MirrorTarget } from "./targets/types";

/** A file of the snapshot by its mirror path (paths.pure.ts), in its final bytes. */
export interface SnapshotFile {
  path: string;
  body: Uint8Array;
  /** The hash the manifest compares: of the content without its "synced at" time, for pages. */
  sha256: string;
  contentType: string;
}

export interface SnapshotMeta {
  syncedAt: string;
  version: number | null;
  liveUrl: string;
  mirrorUrl: string;
}

/**
 * Files one publish sends at most to a target that takes a request per file (S3): a Worker
 * invocation may make only so many subrequests (50 on the free plan). A larger change (the
 * first publish, a new site build) goes in several publishes: each sends a share and a manifest
 * true of the target after it; the home page goes with the last one.
 */
export const DEFAULT_UPLOADS_PER_PUBLISH = 40;

export interface PublishOutcome {
  /** False when the change was larger than one publish sends: another must follow. */
  complete: boolean;
  /** Files the snapshot has on this target. */
  files: number;
  /** Files sent (changed ones, the manifest, the home page), in the order sent. */
  uploaded: string[];
  removed: string[];
  bytes: number;
  requests: number;
}

/** The snapshot's files as this target stores them, with what the target's host needs besides. */
export async function filesFor(target: MirrorTarget, files: readonly SnapshotFile[], meta: SnapshotMeta): Promise<MirrorFile[]> {
  const out = files.map((f) => {
    const key = keyOf(f.path, target.layout);
    return { key, body: f.body, contentType: f.contentType, cacheControl: cacheControlOf(key), sha256: f.sha256 };
  });
  if (target.name === "github") {
    // GitHub Pages: no Jekyll (it would hide `_mirror/`), and the custom domain it answers for.
    const extra: Array<[string, string]> = [[".nojekyll", ""]];
    const host = meta.mirrorUrl ? new URL(meta.mirrorUrl).hostname : "";
    if (host && !host.endsWith(".github.io")) extra.push(["CNAME", `${host}\n`]);
    for (const [key, text] of extra) {
      const body = new TextEncoder().encode(text);
      out.push({ key, body, contentType: "text/plain; charset=utf-8", cacheControl: cacheControlOf(key), sha256: await sha256Hex(body) });
    }
  }
  return out;
}

export async function publishSnapshot(
  target: MirrorTarget,
  files: readonly SnapshotFile[],
  meta: SnapshotMeta,
  uploadsPerPublish = DEFAULT_UPLOADS_PER_PUBLISH,
): Promise<PublishOutcome> {
  const previous = parseManifest(decode(await target.read(MANIFEST_KEY)));
  const stored = await filesFor(target, files, meta);
  const plan = planUpload(previous, stored, { ...meta, always: ["index.html"] });
  const message = `Mirror of ${meta.liveUrl || "the status site"}: status version ${meta.version ?? "?"}, synced ${meta.syncedAt}`;
  const content = plan.put.filter((f) => f.key !== MANIFEST_KEY && f.key !== "index.html");
  let put = plan.put;
  let remove = plan.remove;
  let complete = true;
  if (target.requestPerFile && content.length > uploadsPerPublish) {
    // A share of the change, and a manifest that says exactly what the target holds after it.
    const share = content.slice(0, uploadsPerPublish);
    const partial: Manifest = { ...plan.manifest, syncedAt: previous?.syncedAt ?? meta.syncedAt, version: previous?.version ?? null, files: { ...(previous?.files ?? {}) } };
    for (const f of share) partial.files[f.key] = plan.manifest.files[f.key]!;
    put = [...share, manifestFile(partial)];
    remove = [];
    complete = false;
  }
  const result = await target.write(put, remove, message);
  return {
    complete,
    files: stored.length,
    uploaded: put.map((f) => f.key),
    removed: remove,
    bytes: put.reduce((n, f) => n + f.body.byteLength, 0),
    requests: result.requests,
  };
}

export function decode(bytes: Uint8Array | null): string | null {
  return bytes === null ? null : new TextDecoder().decode(bytes);
}
