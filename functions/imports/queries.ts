// Storage of the import mappings: the source's id of each group, component, incident and
// update already imported, and ours. (The status rows themselves are written by status's own
// statements: functions/status/queries.ts, "bulk import".)

export type MappingKind = "group" | "component" | "incident" | "update";

export type Mappings = Record<MappingKind, Map<string, string>>;

export async function loadMappings(db: D1Database, source: string): Promise<Mappings> {
  const { results } = await db
    .prepare("SELECT kind, source_id, local_id FROM import_mappings WHERE source = ?1")
    .bind(source)
    .all<{ kind: MappingKind; source_id: string; local_id: string }>();
  const out: Mappings = { group: new Map(), component: new Map(), incident: new Map(), update: new Map() };
  for (const r of results) out[r.kind].set(r.source_id, r.local_id);
  return out;
}

export function insertMappingsStatement(
  db: D1Database,
  source: string,
  rows: ReadonlyArray<{ kind: MappingKind; sourceId: string; localId: string }>,
  now: string,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO import_mappings (source, kind, source_id, local_id, imported_at)
       SELECT ?1, json_extract(value, '$.kind'), json_extract(value, '$.sourceId'), json_extract(value, '$.localId'), ?3 FROM json_each(?2)`,
    )
    .bind(source, JSON.stringify(rows), now);
}
