// What every Twilio webhook shares, for the paging hooks here and the hotline's (functions/phone):
// a form body of bounded size, verified against X-Twilio-Signature in constant time before
// anything else is read, and answers in TwiML.
import { readBodyText } from "../platform/body";
import type { Config } from "../platform/config";
import { ApiError } from "../platform/errors";
import { verifyTwilioSignature } from "./twilio-signature";

/** Twilio's webhooks are a few hundred bytes; a 10-segment SMS of emoji is about 4 KB encoded. */
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

/** The request's form parameters, once its signature is Twilio's; 403 otherwise. */
export async function requireTwilio(env: Pick<Env, "TWILIO_AUTH_TOKEN">, config: Pick<Config, "publicUrl">, req: Request): Promise<URLSearchParams> {
  const form = await parseForm(req);
  const ok = await verifyTwilioSignature(env.TWILIO_AUTH_TOKEN, req.headers.get("x-twilio-signature"), signedUrls(config, req.url), form.entries());
  if (!ok) throw new ApiError("forbidden", "The X-Twilio-Signature header is missing or does not match.");
  return form;
}
