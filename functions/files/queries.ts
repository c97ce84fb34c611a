// Storage of file metadata (migrations/0007_files.sql); the bytes are in R2 under r2_key.

export type FileKind = "raw-mail" | "attachment" | "recording";

export interface StoredFile {
  id: string;
  r2Key: string;
  reportId: string | null;
  kind: FileKind;
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  detail: Record<string, unknown> | null;
  createdAt: string;
}

interface FileRow {
  id: string;
  r2_key: string;
  report_id: string | null;
  kind: FileKind;
  name: string;
  content_type: string;
  size: number;
  sha256: string;
  detail: string | null;
  created_at: string;
}

const toFile = (r: FileRow): StoredFile => ({
  id: r.id,
  r2Key: r.r2_key,
  reportId: r.report_id,
  kind: r.kind,
  name: r.name,
  contentType: r.content_type,
  size: r.size,
  sha256: r.sha256,
  detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
  createdAt: r.created_at,
});

/** `ifNew`: a file stored again under the same id (a redelivered mail) is recorded once. */
export function insertFileStatement(db: D1Database, f: StoredFile, opts: { ifNew?: boolean } = {}): D1PreparedStatement {
  return db
    .prepare(
      `INSERT ${opts.ifNew ? "OR IGNORE " : ""}INTO files (id, r2_key, report_id, kind, name, content_type, size, sha256, detail, created_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)`,
    )
    .bind(f.id, f.r2Key, f.reportId, f.kind, f.name, f.contentType, f.size, f.sha256, f.detail ? JSON.stringify(f.detail) : null, f.createdAt);
}

/** Attaches files stored before their report existed (a mail's attachments) to it. */
export function attachFilesStatement(db: D1Database, fileIds: string[], reportId: string): D1PreparedStatement[] {
  return fileIds.map((id) => db.prepare("UPDATE files SET report_id = ?2 WHERE id = ?1 AND report_id IS NULL").bind(id, reportId));
}

export async function findFile(db: D1Database, id: string): Promise<StoredFile | null> {
  const row = await db.prepare("SELECT * FROM files WHERE id = ?1").bind(id).first<FileRow>();
  return row ? toFile(row) : null;
}

export async function listFilesOfReport(db: D1Database, reportId: string): Promise<StoredFile[]> {
  const { results } = await db.prepare("SELECT * FROM files WHERE report_id = ?1 ORDER BY created_at, id").bind(reportId).all<FileRow>();
  return results.map(toFile);
}
