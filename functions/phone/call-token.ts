// The callback URLs in the TwiML we answer a call with carry a token: an HMAC of the call's
// CallSid and the caller's number. A recording, transcription or "nothing recorded" callback is
// taken only for a call this Worker answered, with the caller it answered (Twilio signs the
// whole URL, so neither can be swapped), even when storage was down at the time of the answer.
import { constantTimeEqual, hmacSha256Hex } from "../platform/crypto";

export const CALL_SID = /^CA[0-9a-f]{32}$/;

export async function callToken(key: string, callSid: string, from: string): Promise<string> {
  return (await hmacSha256Hex(key, `phone-call\n${callSid}\n${from}`)).slice(0, 32);
}

export async function verifyCallToken(key: string, token: string, callSid: string, from: string): Promise<boolean> {
  if (!key || !CALL_SID.test(callSid) || !/^[0-9a-f]{32}$/.test(token)) return false;
  return constantTimeEqual(token, await callToken(key, callSid, from));
}

/** The URL of one of a call's callbacks: /hooks/twilio/{kind}/{token}?from=... */
export function callCallbackUrl(publicUrl: string, kind: "voicemail" | "recording" | "transcription", token: string, from: string, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams({ from, ...extra }).toString();
  return `${publicUrl}/hooks/twilio/${kind}/${token}?${query}`;
}
