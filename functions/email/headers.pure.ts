// Mail header blocks read in their own order. `Headers.get()` joins repeated fields with ", ",
// which loses which one came first; for Authentication-Results the first (topmost) one is the
// only one our receiving server wrote, so order matters. Also used for the original headers a
// bounce carries (text/rfc822-headers).

export interface HeaderLine {
  /** Lower-cased field name. */
  name: string;
  /** Unfolded value (continuation lines joined by one space), trimmed. */
  value: string;
}

/** At most this much of a mail is read as its header block (real ones are a few KB). */
export const MAX_HEADER_BLOCK = 256 * 1024;

/** The header block of a raw mail (bytes or text): everything before the first empty line. */
export function headerBlockOf(raw: Uint8Array | string): string {
  const text = typeof raw === "string" ? raw.slice(0, MAX_HEADER_BLOCK) : latin1(raw.subarray(0, MAX_HEADER_BLOCK));
  const end = /\r?\n\r?\n/.exec(text);
  return end ? text.slice(0, end.index) : text;
}

function latin1(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 8192) out += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return out;
}

/** Parses a header block into its fields, in order. Lines that are not fields are skipped. */
export function parseHeaderBlock(block: string): HeaderLine[] {
  const out: HeaderLine[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line)) {
      const last = out.at(-1);
      if (last) last.value = `${last.value} ${line.trim()}`.trim();
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) continue;
    out.push({ name, value: line.slice(colon + 1).trim() });
  }
  return out;
}

export function headerValues(headers: readonly HeaderLine[], name: string): string[] {
  const key = name.toLowerCase();
  return headers.filter((h) => h.name === key).map((h) => h.value);
}

/** The first (topmost) value of a field, or null. */
export function firstHeader(headers: readonly HeaderLine[], name: string): string | null {
  const key = name.toLowerCase();
  return headers.find((h) => h.name === key)?.value ?? null;
}
