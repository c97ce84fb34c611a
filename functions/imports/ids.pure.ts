// Ids for imported rows. Groups and components keep a readable id made from the source's
// (staff type them: `--component cmp_api=major_outage`), unless it is taken; incidents and
// updates get random ids like every other (newId in status/writes.ts). And how long lists are
// cut into statements whose JSON parameter stays under a size.

const ID_CHARS = /[^a-z0-9_-]+/g;

/** `prefix` + the source id made safe (lower case, [a-z0-9_-]), at most 64 characters. */
export function readableId(prefix: string, sourceId: string): string {
  const slug = sourceId.toLowerCase().replace(ID_CHARS, "-").replace(/^-+|-+$/g, "").slice(0, 64 - prefix.length);
  return `${prefix}${slug || "x"}`;
}

/**
 * The readable id, or with -2, -3 ... when `taken` has it (another source's component of the
 * same name, or one made here). Without `taken`: the first choice, to look up what exists.
 */
export function localIdFor(prefix: string, sourceId: string, taken?: ReadonlySet<string>): string {
  const base = readableId(prefix, sourceId);
  if (!taken?.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base.slice(0, 64 - String(n).length - 1)}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** Splits rows into runs whose JSON stays under `maxBytes` (a row larger than that is alone). */
export function splitBySize<T>(rows: readonly T[], maxBytes: number): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let size = 2;
  for (const row of rows) {
    const n = new TextEncoder().encode(JSON.stringify(row)).length + 1;
    if (current.length > 0 && size + n > maxBytes) {
      out.push(current);
      current = [];
      size = 2;
    }
    current.push(row);
    size += n;
  }
  if (current.length > 0) out.push(current);
  return out;
}
