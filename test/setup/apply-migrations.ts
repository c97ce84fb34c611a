import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { forgetIsolateMemory } from "../../functions/platform/isolate-memory";

// Runs before each test file. Test files share one workerd per vitest worker (isolate: false in
// vitest.config.ts: a fresh runtime per file cost 8 s of module loading each), so every file
// starts here from an empty world of its own, as a fresh runtime would:
// - D1 dropped and migrated again, R2 emptied;
// - what the isolate remembers between requests forgotten;
// - the status version started at a number no earlier file used, so the Cache API's entries
//   (keyed on it, and impossible to list) are never another file's pages.
forgetIsolateMemory();
await dropEverything(env.DB);
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
await env.DB.prepare("UPDATE status_meta SET value = ? WHERE key = 'version'")
  .bind(String(Date.now() * 1000 + Math.floor(Math.random() * 1000)))
  .run();
await emptyBucket(env.FILES);

async function dropEverything(db: D1Database): Promise<void> {
  const { results } = await db
    .prepare("SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view', 'trigger') AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'")
    .all<{ type: "table" | "view" | "trigger"; name: string }>();
  if (results.length === 0) return;
  const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const order = { trigger: 0, view: 1, table: 2 } as const;
  const drops = results
    .sort((a, b) => order[a.type] - order[b.type])
    .map((o) => db.prepare(`DROP ${o.type.toUpperCase()} IF EXISTS ${quoted(o.name)}`));
  // One transaction, foreign keys checked at its end (when nothing is left to point at).
  await db.batch([db.prepare("PRAGMA defer_foreign_keys = on"), ...drops]);
}

async function emptyBucket(bucket: R2Bucket): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ cursor, limit: 1000 });
    if (page.objects.length > 0) await bucket.delete(page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
}
