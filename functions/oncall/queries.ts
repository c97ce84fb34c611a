// Storage of the on-call configuration: one versioned JSON document (see 0004_oncall.sql).
import { OncallConfig } from "./config";
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

function toStoredConfig(row: ConfigRow, lenient: boolean): StoredConfig {
  // Stored documents were validated when pushed; parsing again fills defaults added since and
  // catches a row edited by hand, or a deploy whose schema no longer accepts it.
  const document: unknown = JSON.parse(row.document);
  const parsed = OncallConfig.safeParse(document);
  const stored = { version: row.version, sha256: row.sha256, createdAt: row.created_at, createdBy: row.created_by };
  if (parsed.success) return { ...stored, config: parsed.data };
  const problem = `on-call configuration version ${row.version} is not valid: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).slice(0, 3).join("; ")}`;
  if (!lenient) throw new Error(problem);
  // Paging with the document as it was accepted beats paging nobody; the doctor (strict) fails
  // on it and says why, and the error is logged on every use.
  console.error(`${problem} (used as stored, so that someone is still paged)`);
  return { ...stored, config: document as OncallConfig };
}

/**
 * The active configuration (the newest version), or null when none was ever pushed. Throws
 * when it does not pass the schema, unless `lenient` (fan-out: page with it as stored).
 */
export async function loadActiveConfig(db: D1Database, options: { lenient?: boolean } = {}): Promise<StoredConfig | null> {
  const row = await db.prepare("SELECT * FROM oncall_configs ORDER BY version DESC LIMIT 1").first<ConfigRow>();
  return row ? toStoredConfig(row, options.lenient ?? false) : null;
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
