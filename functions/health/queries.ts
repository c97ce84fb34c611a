// The health check's one query: can the Worker reach its database at all?
export async function pingDatabase(db: D1Database): Promise<void> {
  await db.prepare("SELECT 1").first();
}
