// Discord webhook: with ?wait=true, 200 and the created message; otherwise 204.
import type { ProviderFake } from "../../../test/fakes/types";

export const discordFake: ProviderFake = {
  name: "discord",
  prefix: "/discord",
  respond(req) {
    if (req.method !== "POST") return { status: 405, body: { message: "405: Method Not Allowed", code: 0 } };
    if (!req.path.includes("wait=true")) return { status: 204 };
    return { status: 200, body: { id: String(Date.now()) + "0001", type: 0, content: (JSON.parse(req.body) as { content?: string }).content ?? "" } };
  },
};
