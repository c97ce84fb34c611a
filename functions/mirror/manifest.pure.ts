// The manifest: a file in the target (`_mirror/manifest.json`) naming every file the mirror holds
// with a hash of its content. A publish sends only the files whose hash changed, and removes the
// files a new snapshot no longer has. It lives in the target rather than in D1 so that it always
// describes what is really there: a wiped bucket has no manifest and gets everything again, and
// the break-glass CLI, which has no database, reads and updates the same file.
//
// A page's hash leaves out the "synced at" time of its mirror line: otherwise every page would
// change on every sync and be sent again. The home page is sent on every sync regardless, so its
// line always tells readers when the mirror last heard from the live site.
import * as z from "zod";
import { MANIFEST_KEY, uploadRank } from "./paths.pure";

export const ManifestEntry = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
  type: z.string().max(200),
});

export const Manifest = z.object({
  format: z.literal(1),
  /** When the Worker last published (the break-glass CLI keeps it). */
  syncedAt: z.iso.datetime(),
  /** The status version it published. */
  version: z.number().int().nonnegative().nullable(),
  liveUrl: z.string().max(500),
  mirrorUrl: z.string().max(500),
  files: z.record(z.string().min(1).max(1024), ManifestEntry),
});
export type Manifest = z.infer<typeof Manifest>;

/** A file as the target stores it. */
export interface MirrorFile {
  key: string;
  body: Uint8Array;
  contentType: string;
  cacheControl: string;
  /** The hash the manifest keeps (of the content without its sync time, for pages). */
  sha256: string;
}

/** The manifest in a target's bytes, or null when missing or unreadable (then all is sent). */
export function parseManifest(text: string | null): Manifest | null {
  if (text === null) return null;
  try {
    const parsed = Manifest.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export interface UploadPlan {
  /** In upload order: assets, pages, data, the manifest, the index last. */
  put: MirrorFile[];
  /** Keys the previous manifest listed that the snapshot no longer has. */
  remove: string[];
  manifest: Manifest;
}

/**
 * What to send: every file whose hash differs from the previous manifest, the files in
 * `always` (the home page), and a new manifest. Never removes what the manifest does not list
 * (the break-glass log, anything put there by hand).
 */
export function planUpload(
  previous: Manifest | null,
  files: readonly MirrorFile[],
  meta: { syncedAt: string; version: number | null; liveUrl: string; mirrorUrl: string; always: readonly string[] },
): UploadPlan {
  const manifest: Manifest = {
    format: 1,
    syncedAt: meta.syncedAt,
    version: meta.version,
    liveUrl: meta.liveUrl,
    mirrorUrl: meta.mirrorUrl,
    files: Object.fromEntries(files.map((f) => [f.key, { sha256: f.sha256, size: f.body.byteLength, type: f.contentType }])),
  };
  const changed = files.filter((f) => meta.always.includes(f.key) || previous?.files[f.key]?.sha256 !== f.sha256 || previous?.files[f.key]?.type !== f.contentType);
  const put = [...changed, manifestFile(manifest)];
  const remove = previous ? Object.keys(previous.files).filter((key) => !(key in manifest.files)) : [];
  return { put: orderForUpload(put), remove: remove.sort(), manifest };
}

/** Assets, pages, data, manifest, index; alphabetical within each, so runs are repeatable. */
export function orderForUpload(files: readonly MirrorFile[]): MirrorFile[] {
  return [...files].sort((a, b) => uploadRank(a.key) - uploadRank(b.key) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export function manifestFile(manifest: Manifest): MirrorFile {
  const body = new TextEncoder().encode(`${JSON.stringify(manifest, null, 1)}\n`);
  // Its own hash is never compared; the sizes and hashes inside it are what count.
  return { key: MANIFEST_KEY, body, contentType: "application/json", cacheControl: "no-cache", sha256: "0".repeat(64) };
}
