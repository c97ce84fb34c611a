// Storage of the on-call configuration: one versioned JSON document (see 0004_oncall.sql).
import { versionedDocuments, type StoredDocument } from "../platform/versioned-document";
import { OncallConfig } from "./config";

export type StoredConfig = StoredDocument<OncallConfig>;

const documents = versionedDocuments({
  table: "oncall_configs",
  schema: OncallConfig,
  what: "on-call configuration",
  // Paging with the document as it was accepted beats paging nobody; the doctor (strict)
  // fails on it and says why.
  lenientNote: "used as stored, so that someone is still paged",
});

/**
 * The active configuration (the newest version), or null when none was ever pushed. Throws
 * when it does not pass the schema, unless `lenient` (fan-out: page with it as stored).
 */
export const loadActiveConfig = (db: D1Database, options: { lenient?: boolean } = {}): Promise<StoredConfig | null> => documents.loadActive(db, options);

export const serializeConfig = (config: OncallConfig) => documents.serialize(config);

/** The insert of a new version, as a statement so it can share a batch with the audit row. */
export const insertConfigStatement = (db: D1Database, input: { document: string; sha256: string; createdBy: string; now: Date }) => documents.insertStatement(db, input);
