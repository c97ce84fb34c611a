// Cloudflare Turnstile's siteverify endpoint, answering as Cloudflare documents for its test
// secret keys (https://developers.cloudflare.com/turnstile/troubleshooting/testing/):
//   1x0000000000000000000000000000000AA  always passes (with the dummy token)
//   2x0000000000000000000000000000000AA  always fails: invalid-input-response
//   3x0000000000000000000000000000000AA  yields a token already spent: timeout-or-duplicate
// Test secrets only accept the dummy token XXXX.DUMMY.TOKEN.XXXX. A "production-like" secret
// (fake-production-secret) accepts each token that starts with "ok-" once, then answers
// timeout-or-duplicate, as real tokens do when reused.
import type { ProviderFake, RecordedRequest, ScriptedResponse } from "./types";

export const TURNSTILE_PREFIX = "/turnstile";
export const turnstileKeys = {
  pass: "1x0000000000000000000000000000000AA",
  fail: "2x0000000000000000000000000000000AA",
  spent: "3x0000000000000000000000000000000AA",
  production: "fake-production-secret",
  dummyToken: "XXXX.DUMMY.TOKEN.XXXX",
} as const;

const spent = new Set<string>();

function answer(success: boolean, errorCodes: string[] = []): ScriptedResponse {
  return {
    status: 200,
    body: success
      ? { success: true, challenge_ts: new Date().toISOString(), hostname: "example.com", "error-codes": [], action: "", cdata: "" }
      : { success: false, "error-codes": errorCodes },
  };
}

function readParams(req: RecordedRequest): Record<string, string> {
  const type = req.headers["content-type"] ?? "";
  if (type.includes("application/json")) {
    try {
      return JSON.parse(req.body) as Record<string, string>;
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(req.body));
}

export const turnstileFake: ProviderFake = {
  name: "turnstile",
  prefix: TURNSTILE_PREFIX,
  respond(req) {
    if (req.method !== "POST" || !req.path.startsWith("/siteverify")) return { status: 405, body: { success: false, "error-codes": ["bad-request"] } };
    const { secret, response } = readParams(req);
    if (!secret) return answer(false, ["missing-input-secret"]);
    if (!response) return answer(false, ["missing-input-response"]);
    switch (secret) {
      case turnstileKeys.pass:
        return response === turnstileKeys.dummyToken ? answer(true) : answer(false, ["invalid-input-response"]);
      case turnstileKeys.fail:
        return answer(false, ["invalid-input-response"]);
      case turnstileKeys.spent:
        return answer(false, ["timeout-or-duplicate"]);
      case turnstileKeys.production: {
        if (!response.startsWith("ok-")) return answer(false, ["invalid-input-response"]);
        if (spent.has(response)) return answer(false, ["timeout-or-duplicate"]);
        spent.add(response);
        return answer(true);
      }
      default:
        return answer(false, ["invalid-input-secret"]);
    }
  },
};
