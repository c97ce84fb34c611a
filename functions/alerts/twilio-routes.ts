// Twilio's webhooks for pages sent by SMS and voice (all signed by Twilio):
//   POST /hooks/twilio/sms               replies "4" or "ACK <code>" acknowledge
//   POST /hooks/twilio/voice/{token}     the call's Gather: digit 4 acknowledges
//   POST /hooks/twilio/status/{delivery} delivery status: a final failure tries the next method
import { Hono } from "hono";
import { readBodyText } from "../platform/body";
import type { Config } from "../platform/config";
import { ApiError } from "../platform/errors";
import { escapeHtml } from "../platform/html";
import type { AppEnv } from "../platform/types";
import { claimFromToken } from "./ack-routes";
import { handleProviderFailure } from "./delivery";
import { acknowledgeAlert } from "./lifecycle";
import { claimTwilioMessage, openAlertsPagedToNumber, pagedPersonName } from "./queries";
import { verifyTwilioSignature } from "./twilio-signature";

const MAX_HOOK_BYTES = 16 * 1024;

async function parseForm(req: Request): Promise<URLSearchParams> {
  const type = (req.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") throw new ApiError("unsupported_media_type", "Send the body as application/x-www-form-urlencoded.");
  return new URLSearchParams(await readBodyText(req, MAX_HOOK_BYTES));
}

/** The URLs Twilio may have signed: as received, and under the configured public URL. */
function signedUrls(config: Pick<Config, "publicUrl">, requestUrl: string): string[] {
  const url = new URL(requestUrl);
  return [requestUrl, `${config.publicUrl}${url.pathname}${url.search}`];
}

export function twiml(body: string): Response {
  return new Response(`<?xml version="1.0" encoding="UTF-8"?><Response>${body}</Response>`, {
    headers: { "content-type": "text/xml; charset=utf-8", "cache-control": "no-store" },
  });
}

export async function requireTwilio(env: Env, config: Pick<Config, "publicUrl">, req: Request): Promise<URLSearchParams> {
  const form = await parseForm(req);
  const ok = await verifyTwilioSignature(env.TWILIO_AUTH_TOKEN, req.headers.get("x-twilio-signature"), signedUrls(config, req.url), form.entries());
  if (!ok) throw new ApiError("forbidden", "The X-Twilio-Signature header is missing or does not match.");
  return form;
}

/** A bare "4" means the alert paged to that number within this window, and only when it is
 * the only one: a reply must never acknowledge an alert its sender has not seen. */
export const BARE_ACK_WINDOW_MS = 60 * 60_000;

/** Final Twilio statuses that mean the person was not reached. */
const twilioFailures = new Set(["failed", "undelivered", "busy", "no-answer", "canceled"]);

export const twilioPagingRoutes = new Hono<AppEnv>()
  .post("/hooks/twilio/sms", async (c) => {
    const svc = c.get("services");
    const form = await requireTwilio(c.env, svc.config, c.req.raw);
    const now = new Date();
    // Twilio signs the request, not the moment: a captured, validly signed "4" can be sent
    // again later. Each MessageSid is handled once; a replay is answered with nothing.
    const sid = form.get("MessageSid") ?? form.get("SmsSid") ?? "";
    if (!/^(SM|MM)[0-9a-f]{32}$/i.test(sid)) throw new ApiError("bad_request", "A Twilio message webhook carries a MessageSid (SM + 32 hex digits).");
    if (!(await claimTwilioMessage(svc.db, sid, now.toISOString()))) return twiml("");
    const from = form.get("From") ?? "";
    const body = (form.get("Body") ?? "").trim();
    const match = /^(?:4|ack)(?:\s+([a-z0-9]{3,8}))?[.!]?$/i.exec(body);
    if (!match) return twiml(`<Message>${escapeHtml("Reply 4 to acknowledge your newest alert, or ACK and its code, e.g. ACK 7KQ2M.")}</Message>`);
    const code = match[1]?.toUpperCase() ?? null;
    const candidates = await openAlertsPagedToNumber(svc.db, from, { code, since: code ? null : new Date(now.getTime() - BARE_ACK_WINDOW_MS).toISOString() });
    if (candidates.length === 0) {
      return twiml(
        `<Message>${escapeHtml(code ? `No open alert ${code} was paged to this number.` : "No open alert was paged to this number in the last hour. Reply ACK and the alert's code, e.g. ACK 7KQ2M.")}</Message>`,
      );
    }
    if (!code && candidates.length > 1) {
      const codes = candidates.map((a) => a.ackCode).join(", ");
      return twiml(`<Message>${escapeHtml(`${candidates.length} alerts are open for you (${codes}). Reply ACK and the code of the one you mean, e.g. ACK ${candidates[0]!.ackCode}.`)}</Message>`);
    }
    const target = candidates[0]!;
    const outcome = await acknowledgeAlert(svc, target.alertId, { actor: target.personName, via: "sms reply", personId: target.personId }, now);
    const a = outcome!.alert;
    return twiml(`<Message>${escapeHtml(`Alert ${a.ackCode} acknowledged${outcome!.changed ? "" : ` already, by ${a.acknowledgedBy}`}. Escalation stopped.`)}</Message>`);
  })
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
