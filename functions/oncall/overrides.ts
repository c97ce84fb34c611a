// Storing a new version of the on-call document, and the one change people make in a hurry:
// an override ("I take over now"). Shared by the staff API and the console.
import { OncallConfig, Override } from "./config";
import { parseWith } from "../platform/body";
import { ApiError } from "../platform/errors";
import { auditStatement } from "../staff/queries";
import { insertConfigStatement, loadActiveConfig, serializeConfig, type StoredConfig } from "./queries";

export interface ConfigActor {
  name: string;
  actorId?: string | null;
}

/** Stores a new version unless it is the active one already; audited in the same batch. */
export async function storeConfig(
  db: D1Database,
  config: OncallConfig,
  actor: ConfigActor,
  audit: { action: string; detail?: unknown; before?: unknown; after?: unknown },
  now: Date,
): Promise<{ version: number; changed: boolean }> {
  const { document, sha256 } = await serializeConfig(config);
  const active = await loadActiveConfig(db);
  if (active && active.sha256 === sha256) return { version: active.version, changed: false };
  const [inserted] = await db.batch<{ version: number }>([
    insertConfigStatement(db, { document, sha256, createdBy: actor.name, now }),
    auditStatement(db, { actor: actor.name, actorId: actor.actorId ?? null, action: audit.action, target: "oncall", detail: audit.detail, before: audit.before, after: audit.after, now }),
  ]);
  return { version: Number(inserted!.meta.last_row_id), changed: true };
}

export async function activeConfigOr404(db: D1Database): Promise<StoredConfig> {
  const stored = await loadActiveConfig(db);
  if (!stored) throw new ApiError("not_found", "No on-call configuration has been pushed yet (npm run oncall -- push oncall.json).");
  return stored;
}

/** Adds an override to a rotation; the whole document is validated again (the person must exist). */
export async function addOverride(db: D1Database, rotationId: string, override: Override, actor: ConfigActor, now: Date): Promise<{ version: number; changed: boolean }> {
  const stored = await activeConfigOr404(db);
  const rotation = stored.config.rotations.find((r) => r.id === rotationId);
  if (!rotation) throw new ApiError("not_found", `There is no rotation "${rotationId}".`);
  const next = parseWith(OncallConfig, {
    ...stored.config,
    rotations: stored.config.rotations.map((r) => (r.id === rotationId ? { ...r, overrides: [...r.overrides, override] } : r)),
  });
  return storeConfig(
    db,
    next,
    actor,
    { action: "oncall.override", detail: { rotation: rotationId, ...override }, before: { version: stored.version, overrides: rotation.overrides.length }, after: { override } },
    now,
  );
}
