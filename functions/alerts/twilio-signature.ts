// Twilio signs every webhook: X-Twilio-Signature = base64(HMAC-SHA1(auth token, URL + each POST
// parameter name and value, sorted by name)). https://www.twilio.com/docs/usage/security
import { constantTimeEqual } from "../platform/crypto";

const encoder = new TextEncoder();

export async function twilioSignature(authToken: string, url: string, params: Iterable<[string, string]>): Promise<string> {
  const sorted = [...params].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const data = url + sorted.map(([k, v]) => k + v).join("");
  const key = await crypto.subtle.importKey("raw", encoder.encode(authToken), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(data)));
  return btoa(String.fromCharCode(...mac));
}

/** True when `signature` is Twilio's for one of the URLs the request may have been sent to. */
export async function verifyTwilioSignature(
  authToken: string,
  signature: string | null,
  urls: readonly string[],
  params: Iterable<[string, string]>,
): Promise<boolean> {
  if (!authToken || !signature) return false;
  const list = [...params];
  let ok = false;
  for (const url of new Set(urls)) {
    // Every candidate is compared (no early exit), in constant time.
    if (await constantTimeEqual(signature, await twilioSignature(authToken, url, list))) ok = true;
  }
  return ok;
}
