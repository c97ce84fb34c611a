// `npm run hub -- <command> ...`: the staff CLI, for when a browser is not an option. Each
// command is a module in scripts/hub/<command>.mjs exporting
//   { summary: string, usage: string, run(args: string[]): Promise<void> }
// so a new command is one file. `npm run hub` alone lists them.
import { readdirSync } from "node:fs";

const dir = new URL("./hub/", import.meta.url);
const commands = Object.fromEntries(
  readdirSync(dir)
    .filter((f) => f.endsWith(".mjs"))
    .map((f) => [f.slice(0, -4), new URL(f, dir)]),
);

const [name, ...args] = process.argv.slice(2);
if (!name || name === "help" || name === "--help" || !commands[name]) {
  const loaded = await Promise.all(Object.entries(commands).map(async ([n, url]) => [n, (await import(url)).summary]));
  console.error(`Usage: npm run hub -- <command> ...\n\n${loaded.map(([n, s]) => `  ${n.padEnd(10)} ${s}`).join("\n") || "  (no commands yet)"}\n\n'npm run hub -- <command> --help' for a command's usage.`);
  process.exit(name && !commands[name] && name !== "help" && name !== "--help" ? 2 : 0);
}
const command = await import(commands[name]);
if (args.includes("--help") || args.includes("-h")) {
  console.log(command.usage);
  process.exit(0);
}
try {
  await command.run(args);
} catch (err) {
  console.error(`hub ${name}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
