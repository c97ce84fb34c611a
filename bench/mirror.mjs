// The mirror's figures, printed (never asserted): the snapshot's size, how long a publish takes,
// how many files a change sends, how soon a staff change shows on the mirror (the local stand-in
// bucket `npm start` runs), and how long a break-glass post takes from the command line.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

export const name = "mirror";

export async function run({ base, token }) {
  const port = new URL(base).port;
  const mirror = JSON.parse(readFileSync(`.wrangler/tmp/mirror-${port}/target.json`, "utf8")).websiteUrl;
  const staff = (method, path, body) =>
    fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body && JSON.stringify(body) }).then((r) => r.json());

  let t = Date.now();
  const first = await staff("POST", "/api/admin/mirror/publish");
  const firstPublish = { files: first.snapshot.files, kib: +(first.snapshot.bytes / 1024).toFixed(1), renderMs: first.snapshot.ms, uploaded: first.results[0].uploaded.length, wallMs: Date.now() - t };

  t = Date.now();
  const refresh = await staff("POST", "/api/admin/mirror/publish");
  const noChange = { uploaded: refresh.results[0].uploaded, wallMs: Date.now() - t };

  const visible = [];
  const perChange = [];
  for (let i = 0; i < 5; i++) {
    const name = `Bench mirror ${i} ${Date.now()}`;
    t = Date.now();
    const { id } = await staff("POST", "/api/admin/incidents", { name, status: "investigating", impact: "minor", body: "Bench.", components: { cmp_webmail: "degraded_performance" } });
    while (!(await (await fetch(`${mirror}/`)).text()).includes(name)) {
      if (Date.now() - t > 60_000) throw new Error("the change did not reach the mirror within 60 s");
      await new Promise((r) => setTimeout(r, 50));
    }
    visible.push(Date.now() - t);
    const state = await staff("GET", "/api/admin/mirror");
    perChange.push(state.targets[0].last_publish.uploaded);
    await staff("POST", `/api/admin/incidents/${id}/updates`, { status: "resolved", body: "Done." });
    await new Promise((r) => setTimeout(r, 1500));
  }

  t = Date.now();
  const cli = spawnSync("npm", ["run", "--silent", "hub", "--", "mirror", "post", "Bench break-glass post"], { encoding: "utf8", env: { ...process.env, PORT: port } });
  const breakGlass = { ok: cli.status === 0, wallMs: Date.now() - t };
  await staff("POST", "/api/admin/mirror/publish");

  const sorted = [...visible].sort((a, b) => a - b);
  const result = { firstPublish, noChange, staffChangeVisibleMs: { median: sorted[2], max: sorted[4], all: visible }, filesPerChange: perChange, breakGlass };
  console.log(JSON.stringify(result, null, 2));
  return result;
}
