// A configuration kept as versioned JSON documents in D1 (the on-call configuration, the
// monitors): each push inserts a new version, the newest is the active one. The table has
// (version INTEGER PRIMARY KEY, document, sha256, created_at, created_by); its capability's
// queries module names it and the schema, and keeps the statements here in one place.
import type * as z from "zod";
import { sha256Hex } from "./crypto";

export interface StoredDocument<T> {
  version: number;
  config: T;
  sha256: string;
  createdAt: string;
  createdBy: string;
}

interface DocumentRow {
  version: number;
  document: string;
  sha256: string;
  created_at: string;
  created_by: string;
}

export function versionedDocuments<T>(spec: { table: "oncall_configs" | "monitor_configs"; schema: z.ZodType<T>; what: string; lenientNote: string }) {
  return {
    /**
     * The active version (the newest), or null when none was stored. Parsed again: that fills
     * defaults added since and catches a row edited by hand, or a deploy whose schema no longer
     * accepts it. Such a document throws, unless `lenient` (working with the document as it
     * was accepted beats doing nothing; the problem is logged on every use).
     */
    async loadActive(db: D1Database, options: { lenient?: boolean } = {}): Promise<StoredDocument<T> | null> {
      const row = await db.prepare(`SELECT * FROM ${spec.table} ORDER BY version DESC LIMIT 1`).first<DocumentRow>();
      if (!row) return null;
      const document: unknown = JSON.parse(row.document);
      const parsed = spec.schema.safeParse(document);
      const stored = { version: row.version, sha256: row.sha256, createdAt: row.created_at, createdBy: row.created_by };
      if (parsed.success) return { ...stored, config: parsed.data };
      const problem = `${spec.what} version ${row.version} is not valid: ${parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join(".")}: ${i.message}`)
        .join("; ")}`;
      if (!options.lenient) throw new Error(problem);
      console.error(`${problem} (${spec.lenientNote})`);
      return { ...stored, config: document as T };
    },

    async serialize(config: T): Promise<{ document: string; sha256: string }> {
      const document = JSON.stringify(config);
      return { document, sha256: await sha256Hex(document) };
    },

    /** The insert of a new version, as a statement so it can share a batch with the audit row. */
    insertStatement(db: D1Database, input: { document: string; sha256: string; createdBy: string; now: Date }): D1PreparedStatement {
      return db
        .prepare(`INSERT INTO ${spec.table} (document, sha256, created_at, created_by) VALUES (?1, ?2, ?3, ?4)`)
        .bind(input.document, input.sha256, input.now.toISOString(), input.createdBy);
    },
  };
}
