// Voicemail by mail: telephone messaging services deliver a recording as an audio attachment,
// with the caller's number in the subject or the text. The page must say "Voicemail from
// +31 20 123 4567, 0:42" so on-call can call back without opening anything.

export interface AttachmentFacts {
  filename: string | null;
  contentType: string;
}

const AUDIO_EXTENSION = /\.(wav|wave|mp3|m4a|aac|amr|ogg|oga|opus|gsm|wma|3gp|caf|flac)$/i;

export function isAudio(a: AttachmentFacts): boolean {
  const type = a.contentType.split(";")[0]!.trim().toLowerCase();
  if (type.startsWith("audio/")) return true;
  return (type === "application/octet-stream" || type === "") && AUDIO_EXTENSION.test(a.filename ?? "");
}

// A number after one of these words is the caller's ("Voicemail from +31 ...", "Caller:
// 020-...", "Nieuwe voicemail van 06 ...", "Anruf von ...").
const CALLER_WORDS = "(?:from|caller(?:\\s*id)?|calling number|number|cli|van|von|de|da|nummer|numéro|beller|anrufer|afzender|tel(?:ephone)?|phone)";
const PHONE = "(\\+?\\(?\\d[\\d ()./-]{4,24}\\d)";
const WITHHELD = /\b(anonymous|withheld|unknown (caller|number)|private number|number (withheld|suppressed)|anoniem|onbekend(e)? nummer|unterdrückt|masqué)\b/i;

function plausiblePhone(found: string): string | null {
  // "+32 2 555 12 12 (2 min)": an opening bracket never closed is not part of the number.
  const open = found.lastIndexOf("(");
  const raw = open > 0 && !found.slice(open).includes(")") ? found.slice(0, open).trim() : found;
  const digits = raw.replace(/\D/g, "");
  if (digits.length < 6 || digits.length > 15) return null;
  // A clock time, a date or a duration is not a number to call back.
  if (/^\d{1,2}[:.]\d{2}([:.]\d{2})?$/.test(raw.trim()) || /^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$/.test(raw.trim())) return null;
  return raw.trim().replace(/\s+/g, " ");
}

export interface Caller {
  number: string | null;
  /** The service said the caller's number was withheld. */
  withheld: boolean;
}

/** The caller's number: after a "from"/"caller" word in the subject, then the text; then the
 * first plausible number in the subject. */
export function callerOf(subject: string, text: string): Caller {
  const near = new RegExp(`\\b${CALLER_WORDS}\\b[\\s:]*${PHONE}`, "i");
  for (const source of [subject, text.slice(0, 4000)]) {
    const m = near.exec(source);
    const n = m ? plausiblePhone(m[1]!) : null;
    if (n) return { number: n, withheld: false };
  }
  const anywhere = new RegExp(PHONE, "g");
  for (const m of subject.matchAll(anywhere)) {
    const n = plausiblePhone(m[1]!);
    if (n) return { number: n, withheld: false };
  }
  return { number: null, withheld: WITHHELD.test(subject) || WITHHELD.test(text.slice(0, 4000)) };
}

/** A duration the service wrote: "Duration: 0:42", "Length: 42 seconds", "Duur: 1:05". */
export function durationFromText(text: string): number | null {
  const m = /\b(?:duration|length|duur|lengte|dauer|durée|länge)\s*:?\s*(?:(\d{1,2}):)?(\d{1,2}):(\d{2})\b/i.exec(text);
  if (m) return (m[1] ? Number(m[1]) * 3600 : 0) + Number(m[2]) * 60 + Number(m[3]);
  const s = /\b(?:duration|length|duur|lengte|dauer|durée|länge)\s*:?\s*(\d{1,5})\s*(?:s|sec|secs|seconds|seconden|sekunden|secondes)\b/i.exec(text);
  return s ? Number(s[1]) : null;
}

const u32 = (b: Uint8Array, o: number) => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
const tag = (b: Uint8Array, o: number) => String.fromCharCode(b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!);

/**
 * Seconds of audio in a RIFF/WAVE file: the data chunk's size over the fmt chunk's byte rate.
 * Chunks are walked (LIST and fact chunks come and go); a streamed file that never filled in
 * its data size counts the bytes present. Null when it is not a WAV file we can read.
 */
export function wavDurationSeconds(b: Uint8Array): number | null {
  if (b.length < 12 || tag(b, 0) !== "RIFF" || tag(b, 8) !== "WAVE") return null;
  let byteRate = 0;
  for (let o = 12; o + 8 <= b.length; ) {
    const id = tag(b, o);
    const size = u32(b, o + 4);
    const body = o + 8;
    if (id === "fmt " && body + 16 <= b.length) byteRate = u32(b, body + 8);
    if (id === "data") {
      if (byteRate <= 0) return null;
      const present = b.length - body;
      const bytes = size === 0 || size === 0xffffffff || size > present ? present : size;
      return bytes / byteRate;
    }
    o = body + size + (size % 2);
  }
  return null;
}

// MPEG audio (MP3): bitrates in kbit/s by [version-family][layer][index]; sample rates by version.
const BITRATES: Record<string, number[]> = {
  "1-3": [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  "2-3": [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const SAMPLE_RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

/**
 * Seconds of an MP3 (MPEG layer III): exact from a Xing/Info or VBRI header's frame count,
 * otherwise estimated from the first frame's bitrate as if constant (most voicemail MP3s are).
 */
export function mp3DurationSeconds(b: Uint8Array): { seconds: number; estimated: boolean } | null {
  let o = 0;
  if (b.length >= 10 && b[0] === 0x49 && b[1] === 0x44 && b[2] === 0x33) {
    const size = ((b[6]! & 0x7f) << 21) | ((b[7]! & 0x7f) << 14) | ((b[8]! & 0x7f) << 7) | (b[9]! & 0x7f);
    o = 10 + size + (b[5]! & 0x10 ? 10 : 0);
  }
  const limit = Math.min(b.length - 4, o + 64 * 1024);
  for (; o < limit; o++) if (b[o] === 0xff && (b[o + 1]! & 0xe0) === 0xe0) break;
  if (o >= limit) return null;
  const version = (b[o + 1]! >> 3) & 3; // 3 = MPEG1, 2 = MPEG2, 0 = MPEG2.5
  const layer = (b[o + 1]! >> 1) & 3; // 1 = layer III
  const bitrateIndex = b[o + 2]! >> 4;
  const rateIndex = (b[o + 2]! >> 2) & 3;
  if (version === 1 || layer !== 1 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return null;
  const kbps = BITRATES[version === 3 ? "1-3" : "2-3"]![bitrateIndex]!;
  const sampleRate = SAMPLE_RATES[version]![rateIndex]!;
  const samplesPerFrame = version === 3 ? 1152 : 576;
  const mono = b[o + 3]! >> 6 === 3;
  const sideInfo = version === 3 ? (mono ? 17 : 32) : mono ? 9 : 17;
  const xing = o + 4 + sideInfo;
  const frames = (at: number) => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
  if (xing + 12 <= b.length && ["Xing", "Info"].includes(tag(b, xing)) && b[xing + 7]! & 1) {
    return { seconds: (frames(xing + 8) * samplesPerFrame) / sampleRate, estimated: false };
  }
  const vbri = o + 4 + 32;
  if (vbri + 18 <= b.length && tag(b, vbri) === "VBRI") return { seconds: (frames(vbri + 14) * samplesPerFrame) / sampleRate, estimated: false };
  return { seconds: ((b.length - o) * 8) / (kbps * 1000), estimated: true };
}

export interface Duration {
  seconds: number;
  estimated: boolean;
  source: "wav" | "mp3" | "text";
}

/** The recording's length from its own bytes where we can read them, else from the text. */
export function recordingDuration(bytes: Uint8Array, a: AttachmentFacts, text: string): Duration | null {
  const wav = wavDurationSeconds(bytes);
  if (wav !== null) return { seconds: wav, estimated: false, source: "wav" };
  const type = a.contentType.toLowerCase();
  if (/mpeg|mp3/.test(type) || /\.mp3$/i.test(a.filename ?? "")) {
    const mp3 = mp3DurationSeconds(bytes);
    if (mp3) return { ...mp3, source: "mp3" };
  }
  const stated = durationFromText(text);
  return stated !== null ? { seconds: stated, estimated: false, source: "text" } : null;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** "Voicemail from +31 20 123 4567, 0:42": the subject every page shows. */
export function voicemailTitle(caller: Caller, duration: Duration | null): string {
  const who = caller.number ? `from ${caller.number}` : caller.withheld ? "from a withheld number" : "from an unknown number";
  const length = duration ? `${duration.estimated ? "about " : ""}${formatDuration(duration.seconds)}` : "length unknown";
  return `Voicemail ${who}, ${length}`;
}
