// Storage of the on-call configuration: one versioned JSON document (see 0004_oncall.sql).
import { OncallConfig } from "../../contract/oncall";
import { sha256Hex } from "../platform/crypto";

export interface StoredConfig {
  version: number;
  config: OncallConfig;
  sha256: string;
  createdAt: string;
  createdBy: string;
}

interface ConfigRow {
  version: number;
  document: string;
  sha256: string;
  created_at: string;
  created_by: string;
}

function toStoredConfig(row: ConfigRow): StoredConfig {
  // Stored documents were validated when pushed; parsing again fills defaults added since and
  // refuses a row edited by hand into something invalid (loudly: it would page wrongly).
  const parsed = OncallConfig.safeParse(JSON.parse(row.document));
  if (!parsed.success) {
    throw new Error(`on-call configuration version ${row.version} is not valid: ${parsed.error.issues[0]?.message ?? "unknown"}`);
  }
  return { version: row.version, config: parsed.data, sha256: row.sha256, createdAt: row.created_at, createdBy: row.created_by };
}

/** The active configuration (the newest version), or null when none was ever pushed. */
export async function loadActiveConfig(db: D1Database): Promise<StoredConfig | null> {
  const row = await db.prepare("SELECT * FROM oncall_configs ORDER BY version DESC LIMIT 1").first<ConfigRow>();
  return row ? toStoredConfig(row) : null;
}

export async function serializeConfig(config: OncallConfig): Promise<{ document: string; sha256: string }> {
  const document = JSON.stringify(config);
  return { document, sha256: await sha256Hex(document) };
}

/** The insert of a new version, as a statement so it can share a batch with the audit row. */
export function insertConfigStatement(
  db: D1Database,
  input: { document: string; sha256: string; createdBy: string; now: Date },
): D1PreparedStatement {
  return db
    .prepare("INSERT INTO oncall_configs (document, sha256, created_at, created_by) VALUES (?1, ?2, ?3, ?4)")
    .bind(input.document, input.sha256, input.now.toISOString(), input.createdBy);
}
