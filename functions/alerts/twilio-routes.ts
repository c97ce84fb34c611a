// Twilio's webhooks for pages sent by SMS and voice (all signed by Twilio):
//   POST /hooks/twilio/voice/{token}     the call's Gather: digit 4 acknowledges
//   POST /hooks/twilio/status/{delivery} delivery status: a final failure tries the next method
// SMS replies ("4", "ACK <code>") arrive on the hotline's number, whose webhook belongs to the
// phone intake (functions/phone): it hands each message to `acknowledgeBySmsReply` (sms-reply.ts)
// first.
import { Hono } from "hono";
import type { AppEnv } from "../platform/types";
import { claimFromToken } from "./ack-routes";
import { handleProviderFailure } from "./delivery";
import { acknowledgeAlert } from "./lifecycle";
import { pagedPersonName } from "./queries";
import { requireTwilio, twiml } from "./twilio-hooks";

/** Final Twilio statuses that mean the person was not reached. */
const twilioFailures = new Set(["failed", "undelivered", "busy", "no-answer", "canceled"]);

export const twilioPagingRoutes = new Hono<AppEnv>()
  .post("/hooks/twilio/voice/:token", async (c) => {
    const svc = c.get("services");
    const form = await requireTwilio(c.env, svc.config, c.req.raw);
    const now = new Date();
    const { claim, alert } = await claimFromToken(svc, c.req.param("token"), now);
    if ((form.get("Digits") ?? "") !== "4") return twiml("<Say>Not acknowledged. Goodbye.</Say>");
    const name = (await pagedPersonName(svc.db, alert.id, claim.personId)) ?? claim.personId;
    await acknowledgeAlert(svc, alert.id, { actor: name, via: "phone call", personId: claim.personId }, now);
    return twiml("<Say>Acknowledged. Escalation has stopped. Thank you.</Say>");
  })
  .post("/hooks/twilio/status/:delivery", async (c) => {
    const svc = c.get("services");
    const form = await requireTwilio(c.env, svc.config, c.req.raw);
    const status = (form.get("MessageStatus") ?? form.get("CallStatus") ?? "").toLowerCase();
    if (twilioFailures.has(status)) {
      const code = form.get("ErrorCode");
      const sid = form.get("MessageSid") ?? form.get("CallSid");
      await handleProviderFailure(svc, c.req.param("delivery"), sid, `Twilio reports ${status}${code ? ` (error ${code})` : ""}`, new Date());
    }
    return c.body(null, 204);
  });
