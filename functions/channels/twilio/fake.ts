// Twilio REST API: Messages.json and Calls.json (form-encoded, basic auth) answer 201 with a sid.
import type { ProviderFake } from "../../../test/fakes/types";

export const twilioFake: ProviderFake = {
  name: "twilio",
  prefix: "/twilio",
  respond(req) {
    const m = /^\/2010-04-01\/Accounts\/([^/]+)\/(Messages|Calls)\.json/.exec(req.path);
    if (req.method !== "POST" || !m) return { status: 404, body: { code: 20404, message: "The requested resource was not found", status: 404 } };
    if (!req.headers.authorization?.startsWith("Basic ")) return { status: 401, body: { code: 20003, message: "Authenticate", status: 401 } };
    const form = new URLSearchParams(req.body);
    const sid = `${m[2] === "Messages" ? "SM" : "CA"}${crypto.randomUUID().replaceAll("-", "")}`;
    return { status: 201, body: { sid, account_sid: m[1], to: form.get("To"), from: form.get("From"), status: "queued" } };
  },
};
