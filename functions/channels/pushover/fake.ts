// Pushover: POST /1/messages.json; emergency priority (2) answers a receipt.
import type { ProviderFake } from "../../../test/fakes/types";

export const pushoverFake: ProviderFake = {
  name: "pushover",
  prefix: "/pushover",
  respond(req) {
    if (req.method !== "POST" || !req.path.startsWith("/1/messages.json")) return { status: 404, body: { status: 0, errors: ["not found"] } };
    const form = new URLSearchParams(req.body);
    if (!form.get("token")) return { status: 400, body: { token: "invalid", errors: ["application token is invalid"], status: 0, request: "r-1" } };
    return { status: 200, body: { status: 1, request: "647d2300-702c-4b38-8b2f-d56326ae460b", ...(form.get("priority") === "2" ? { receipt: "rLqVuqTRh62UzxtmqiaLzQmVcPgiCy" } : {}) } };
  },
};
