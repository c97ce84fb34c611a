// Copies a voicemail from Twilio into R2 (functions/files), so that the page links to our own
// signed, expiring URL and the recording outlives Twilio's copy. The request goes only to the
// configured Twilio API base, for this account's recording: the URL is built here from the
// RecordingSid, never taken from the callback, so no request can send our credentials elsewhere.
// https://www.twilio.com/docs/voice/api/recording#fetch-a-recording-media-file
import { putFile, type FileServices } from "../files/store";
import { readCapped } from "../platform/body";
import type { StoredFile } from "../files/queries";
import type { PhoneSettings } from "./settings";

export const RECORDING_SID = /^RE[0-9a-f]{32}$/;
/** A two-minute WAV from Twilio (8 kHz, 16 bit, mono) is about 2 MB; room for longer settings. */
export const MAX_RECORDING_BYTES = 25 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 15_000;

/** The recording's resource URL at Twilio (no credentials in it; opening it needs the login). */
export function recordingResourceUrl(s: Pick<PhoneSettings, "apiBase" | "accountSid">, recordingSid: string): string {
  return `${s.apiBase}/2010-04-01/Accounts/${encodeURIComponent(s.accountSid)}/Recordings/${recordingSid}`;
}

export class RecordingCopyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RecordingCopyError";
  }
}

/** Fetches the WAV with basic auth and stores it as a "recording" file (report attached later). */
export async function copyRecording(
  svc: FileServices,
  s: PhoneSettings,
  r: { recordingSid: string; callSid: string; from: string | null; seconds: number },
  now: Date,
): Promise<StoredFile> {
  if (!s.accountSid || !s.authToken) throw new RecordingCopyError("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are needed to fetch recordings");
  if (!RECORDING_SID.test(r.recordingSid)) throw new RecordingCopyError("not a Twilio RecordingSid");
  let res: Response;
  try {
    res = await fetch(`${recordingResourceUrl(s, r.recordingSid)}.wav`, {
      headers: { authorization: `Basic ${btoa(`${s.accountSid}:${s.authToken}`)}`, accept: "audio/wav, audio/*" },
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
  } catch (err) {
    throw new RecordingCopyError(`Twilio did not answer for the recording (${err instanceof Error ? err.name : String(err)})`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new RecordingCopyError(`Twilio answered ${res.status} for the recording`);
  }
  const type = (res.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (!type.startsWith("audio/")) {
    await res.body?.cancel();
    throw new RecordingCopyError(`Twilio answered with ${type || "no content type"}, not audio`);
  }
  const bytes = await readCapped(res, MAX_RECORDING_BYTES, (declared) =>
    new RecordingCopyError(declared !== null ? `the recording is ${declared} bytes, more than the ${MAX_RECORDING_BYTES} allowed` : `the recording is more than the ${MAX_RECORDING_BYTES} bytes allowed`),
  );
  if (bytes.byteLength === 0) throw new RecordingCopyError("Twilio answered with an empty recording");
  const stamp = now.toISOString().slice(0, 16).replace(/[-:T]/g, "");
  return putFile(svc, {
    kind: "recording",
    name: `voicemail-${(r.from ?? "withheld").replace(/\D/g, "") || "withheld"}-${stamp}.wav`,
    contentType: type === "audio/x-wav" || type === "audio/wave" ? "audio/wav" : type,
    bytes,
    detail: { callSid: r.callSid, recordingSid: r.recordingSid, from: r.from, durationSeconds: r.seconds },
    now,
  });
}
