// Twilio's REST API as the loopback fake answers it, in its real shapes: used by the tests'
// fake provider server (fake.ts) and by the local stand-in `npm start` runs
// (scripts/lib/local-twilio.mjs), so there is one fake of Twilio. Erasable TypeScript only:
// Node imports it with type stripping.
//   POST .../Messages.json, .../Calls.json         201 with a sid (SM..., CA...)
//   GET  .../Recordings/{RE...}[.wav|.mp3]          the recording's media (a WAV), basic auth
//   GET  .../IncomingPhoneNumbers.json?PhoneNumber=  the number, its webhooks at `publicUrl`
//   GET  /2010-04-01/Accounts/{AC...}.json           the account, status "active" (the canary's check)
// Without basic auth every resource answers 401 with Twilio's error body (code 20003).
import type { ProviderFake, RecordedRequest, ScriptedResponse } from "../../../test/fakes/types";

/** A WAV (PCM, 16 bit, mono, 8 kHz, as Twilio records calls) of a soft tone with pauses. */
export function wavTone(seconds: number, sampleRate = 8000): Uint8Array {
  const samples = Math.max(1, Math.round(seconds * sampleRate));
  const bytes = new Uint8Array(44 + samples * 2);
  const view = new DataView(bytes.buffer);
  const ascii = (offset: number, text: string) => {
    for (let i = 0; i < text.length; i++) bytes[offset + i] = text.charCodeAt(i);
  };
  ascii(0, "RIFF");
  view.setUint32(4, 36 + samples * 2, true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  view.setUint32(16, 16, true); // fmt chunk size
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true); // byte rate
  view.setUint16(32, 2, true); // block align
  view.setUint16(34, 16, true); // bits per sample
  ascii(36, "data");
  view.setUint32(40, samples * 2, true);
  for (let i = 0; i < samples; i++) {
    const t = i / sampleRate;
    // 440 Hz, on for 0.4 s of every 0.6 s, like a voice that pauses.
    const on = t % 0.6 < 0.4 ? 1 : 0;
    view.setInt16(44 + i * 2, Math.round(on * 6000 * Math.sin(2 * Math.PI * 440 * t)), true);
  }
  return bytes;
}

const unauthorized: ScriptedResponse = {
  status: 401,
  body: { code: 20003, message: "Authenticate", more_info: "https://www.twilio.com/docs/errors/20003", status: 401 },
};
const notFound = (path: string): ScriptedResponse => ({
  status: 404,
  body: { code: 20404, message: `The requested resource ${path} was not found`, more_info: "https://www.twilio.com/docs/errors/20404", status: 404 },
});

/** An IncomingPhoneNumber as the API shows it, with its webhooks pointing at `publicUrl`. */
export function incomingNumber(accountSid: string, phoneNumber: string, publicUrl: string): Record<string, unknown> {
  const sid = `PN${"0".repeat(32 - phoneNumber.replace(/\D/g, "").length)}${phoneNumber.replace(/\D/g, "")}`.slice(0, 34);
  return {
    account_sid: accountSid,
    address_requirements: "none",
    api_version: "2010-04-01",
    beta: false,
    capabilities: { voice: true, sms: true, mms: true, fax: false },
    date_created: "Tue, 01 Dec 2026 09:00:00 +0000",
    date_updated: "Tue, 01 Dec 2026 09:00:00 +0000",
    friendly_name: phoneNumber,
    phone_number: phoneNumber,
    sid,
    sms_application_sid: "",
    sms_fallback_method: "POST",
    sms_fallback_url: "",
    sms_method: "POST",
    sms_url: `${publicUrl}/hooks/twilio/sms`,
    status_callback: `${publicUrl}/hooks/twilio/call-status`,
    status_callback_method: "POST",
    trunk_sid: null,
    uri: `/2010-04-01/Accounts/${accountSid}/IncomingPhoneNumbers/${sid}.json`,
    voice_application_sid: "",
    voice_caller_id_lookup: false,
    voice_fallback_method: "POST",
    voice_fallback_url: null,
    voice_method: "POST",
    voice_url: `${publicUrl}/hooks/twilio/voice`,
    voice_receive_mode: "voice",
    status: "in-use",
    type: "local",
    origin: "twilio",
  };
}

export interface TwilioApiFakeOptions {
  /** Where the numbers' webhooks point (the Worker under test, or the local one). */
  publicUrl: string;
  /** Recordings registered by their sid (the local `npm run phone -- call` registers its own). */
  recordings?: Map<string, Uint8Array>;
  /** Each sent message and call is passed here (the local stand-in writes them to a file). */
  onSend?: (resource: "Messages" | "Calls", form: Record<string, string>, sid: string) => void;
  /** Seconds of the tone served for a recording nobody registered. */
  defaultRecordingSeconds?: number;
}

export function createTwilioApiFake(opts: TwilioApiFakeOptions): ProviderFake {
  return {
    name: "twilio",
    prefix: "/twilio",
    respond(req: RecordedRequest): ScriptedResponse {
      const url = new URL(req.path, "http://twilio.fake");
      const accountOnly = /^\/2010-04-01\/Accounts\/([^/]+)\.json$/.exec(url.pathname);
      if (accountOnly && req.method === "GET") {
        if (!req.headers.authorization?.startsWith("Basic ")) return unauthorized;
        const sid = accountOnly[1]!;
        return {
          status: 200,
          body: {
            sid,
            owner_account_sid: sid,
            friendly_name: "Example Hosting",
            status: "active",
            type: "Full",
            date_created: "Tue, 01 Dec 2026 09:00:00 +0000",
            date_updated: "Tue, 01 Dec 2026 09:00:00 +0000",
            uri: `/2010-04-01/Accounts/${sid}.json`,
          },
        };
      }
      const base = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32}|[^/]+)\/(.+)$/.exec(url.pathname);
      if (!base) return notFound(url.pathname);
      if (!req.headers.authorization?.startsWith("Basic ")) return unauthorized;
      const [, account, rest] = base as unknown as [string, string, string];
      const send = /^(Messages|Calls)\.json$/.exec(rest);
      if (send && req.method === "POST") {
        const form = Object.fromEntries(new URLSearchParams(req.body));
        const sid = `${send[1] === "Messages" ? "SM" : "CA"}${crypto.randomUUID().replaceAll("-", "")}`;
        opts.onSend?.(send[1] as "Messages" | "Calls", form, sid);
        return { status: 201, body: { sid, account_sid: account, to: form.To, from: form.From, status: "queued" } };
      }
      const recording = /^Recordings\/(RE[0-9a-f]{32})(\.wav|\.mp3)?$/.exec(rest);
      if (recording && req.method === "GET") {
        if (recording[2] === ".mp3") return notFound(url.pathname); // the fake records WAV only
        const bytes = opts.recordings?.get(recording[1]!) ?? wavTone(opts.defaultRecordingSeconds ?? 1);
        return { status: 200, headers: { "content-type": "audio/x-wav" }, body: bytes };
      }
      if (rest === "IncomingPhoneNumbers.json" && req.method === "GET") {
        const number = url.searchParams.get("PhoneNumber");
        const list = number ? [incomingNumber(account, number, opts.publicUrl)] : [];
        const uri = `/2010-04-01/Accounts/${account}/IncomingPhoneNumbers.json${url.search}`;
        return {
          status: 200,
          body: { end: list.length - 1, first_page_uri: uri, incoming_phone_numbers: list, next_page_uri: null, page: 0, page_size: 50, previous_page_uri: null, start: 0, uri },
        };
      }
      return notFound(url.pathname);
    },
  };
}
