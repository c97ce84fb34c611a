// A Statuspage page's public v2 API, recorded (test/fixtures/statuspage/*.json, written from the
// documented shapes): /statuspage/<any site>/api/v2/{summary,components,incidents,
// scheduled-maintenances}.json. Under /statuspage/not-statuspage/ it answers 404, as a site
// that is not a Statuspage page would.
import { readFileSync } from "node:fs";
import type { ProviderFake } from "./types";

const files = new Set(["summary.json", "components.json", "incidents.json", "scheduled-maintenances.json"]);

export const statuspageFake: ProviderFake = {
  name: "statuspage",
  prefix: "/statuspage",
  respond(req) {
    const m = /^\/([^/]+)\/api\/v2\/([a-z-]+\.json)$/.exec(req.path.split("?")[0]!);
    if (req.method !== "GET" || !m || m[1] === "not-statuspage" || !files.has(m[2]!)) return { status: 404, body: "<!doctype html><title>Not found</title>" };
    const text = readFileSync(new URL(`../fixtures/statuspage/${m[2]}`, import.meta.url), "utf8");
    return { status: 200, body: JSON.parse(text) as unknown };
  },
};
