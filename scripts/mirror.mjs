// `npm run mirror -- export DIR` (the DESIGN contract's name for it), and the other mirror
// subcommands: the same module as `npm run hub -- mirror ...` (scripts/hub/mirror.mjs).
import { run, usage } from "./hub/mirror.mjs";

const args = process.argv.slice(2);
if (args.length === 0 || args.includes("--help") || args.includes("-h")) {
  console.log(usage);
  process.exit(args.length === 0 ? 2 : 0);
}
try {
  await run(args);
} catch (err) {
  console.error(`mirror: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
