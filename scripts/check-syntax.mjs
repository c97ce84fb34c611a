// `npm run check` step: every Node script (scripts/, bench/, agent/) at least parses. They are
// not type-checked (plain .mjs), and a merge can leave one broken without any test noticing
// until a newcomer runs `npm start`.
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const roots = ["scripts", "bench", "agent"];
const files = roots.flatMap(function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : /\.m?js$/.test(e.name) ? [join(dir, e.name)] : []));
});
const broken = [];
for (const file of files) {
  try {
    execFileSync(process.execPath, ["--check", file], { stdio: "pipe" });
  } catch (err) {
    broken.push(`${file}\n${String(err.stderr ?? err.message).trim()}`);
  }
}
if (broken.length > 0) {
  console.error(`syntax: ${broken.length} script(s) do not parse:\n\n${broken.join("\n\n")}`);
  process.exit(1);
}
console.log(`syntax: ${files.length} scripts parse`);
