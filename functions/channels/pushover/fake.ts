// Pushover: POST /1/messages.json (emergency priority 2 answers a receipt), and the canary's
// POST /1/users/validate.json, which answers the user's devices, or 400 with Pushover's error
// body for a user key that starts with "invalid" (https://pushover.net/api#verification).
import type { ProviderFake } from "../../../test/fakes/types";

export const pushoverFake: ProviderFake = {
  name: "pushover",
  prefix: "/pushover",
  respond(req) {
    const form = new URLSearchParams(req.body);
    if (req.method === "POST" && req.path.startsWith("/1/users/validate.json")) {
      if (!form.get("token")) return { status: 400, body: { token: "invalid", errors: ["application token is invalid"], status: 0, request: "r-2" } };
      if ((form.get("user") ?? "").toLowerCase().startsWith("invalid")) return { status: 400, body: { user: "invalid", errors: ["user key is invalid"], status: 0, request: "r-3" } };
      return { status: 200, body: { status: 1, group: 0, devices: ["phone"], licenses: ["Android"], request: "5042853c-402d-4a18-abcb-168734a801de" } };
    }
    if (req.method !== "POST" || !req.path.startsWith("/1/messages.json")) return { status: 404, body: { status: 0, errors: ["not found"] } };
    if (!form.get("token")) return { status: 400, body: { token: "invalid", errors: ["application token is invalid"], status: 0, request: "r-1" } };
    return { status: 200, body: { status: 1, request: "647d2300-702c-4b38-8b2f-d56326ae460b", ...(form.get("priority") === "2" ? { receipt: "rLqVuqTRh62UzxtmqiaLzQmVcPgiCy" } : {}) } };
  },
};
