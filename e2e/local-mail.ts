// The mail `npm start` sends, as the specs read it: wrangler dev's simulated send_email writes
// each mail as files under .wrangler/tmp (nothing leaves the machine).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const MAIL_ROOT = ".wrangler/tmp";

/** Every simulated mail file under .wrangler/tmp (text parts and whole .eml files). */
export function localMailFiles(dir = MAIL_ROOT): string[] {
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return [];
    if (stat.isDirectory()) return localMailFiles(path);
    return path.includes("email-text") || path.endsWith(".eml") ? [path] : [];
  });
}

/** The first local mail containing every one of `words`, waiting up to 20 s for it. */
export async function localMailWith(...words: string[]): Promise<string> {
  for (let i = 0; i < 100; i++) {
    for (const file of localMailFiles()) {
      const text = readFileSync(file, "utf8");
      if (words.every((w) => text.includes(w))) return text;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no mail containing ${words.map((w) => `"${w}"`).join(" and ")} appeared under ${MAIL_ROOT}`);
}
