// Voicemail as tables: the caller's number, the recording's length from WAV and MP3 headers,
// and the title every page shows (voicemail.pure.ts); bounces (dsn.pure.ts).
import { describe, expect, it } from "vitest";
import { bounceFacts, parseDeliveryStatus } from "../../functions/email/dsn.pure";
import { callerOf, durationFromText, formatDuration, isAudio, mp3DurationSeconds, voicemailTitle, wavDurationSeconds } from "../../functions/email/voicemail.pure";
import { wav } from "./mails";

describe("the caller's number", () => {
  it.each<[string, string, string, string | null, boolean]>([
    ["subject, English", "New voicemail from +31 20 123 4567", "", "+31 20 123 4567", false],
    ["subject, Dutch", "Nieuwe voicemail van 020-1234567", "", "020-1234567", false],
    ["body, Caller:", "Voicemail", "You have a new message.\nCaller: +49 (30) 1234 5678\n", "+49 (30) 1234 5678", false],
    ["body, Caller ID", "New message", "Caller ID: 0612345678", "0612345678", false],
    ["a time is not a number", "Voicemail at 03:12", "Received 01-12-2026 03:12", null, false],
    ["withheld", "Voicemail from Anonymous", "", null, true],
    ["Dutch withheld", "Voicemail van anoniem", "", null, true],
    ["the first plausible number in the subject", "Voicemail +32 2 555 12 12 (2 min)", "", "+32 2 555 12 12", false],
  ])("%s", (_n, subject, text, number, withheld) => {
    expect(callerOf(subject, text)).toEqual({ number, withheld });
  });
});

describe("recording length", () => {
  it("reads a WAV file's data size over its byte rate", () => {
    expect(wavDurationSeconds(wav(42))).toBe(42);
    expect(wavDurationSeconds(wav(1.5, 16000))).toBe(1.5);
  });

  it("walks past LIST chunks and odd-sized chunks", () => {
    const base = wav(3);
    const list = new Uint8Array([...new TextEncoder().encode("LIST"), 5, 0, 0, 0, 1, 2, 3, 4, 5, 0]);
    const b = new Uint8Array(base.length + list.length);
    b.set(base.subarray(0, 36));
    b.set(list, 36);
    b.set(base.subarray(36), 36 + list.length);
    expect(wavDurationSeconds(b)).toBe(3);
  });

  it("counts the bytes present when a streamed WAV never filled in its size", () => {
    const b = wav(2);
    new DataView(b.buffer).setUint32(40, 0xffffffff, true);
    expect(wavDurationSeconds(b)).toBe(2);
  });

  it.each([
    ["not RIFF", new TextEncoder().encode("ID3 not a wav at all........")],
    ["truncated", wav(1).subarray(0, 30)],
    ["no fmt before data", (() => { const b = wav(1); b.set(new TextEncoder().encode("junk"), 12); return b; })()],
  ])("refuses what is not a WAV file we can read: %s", (_n, bytes) => expect(wavDurationSeconds(bytes)).toBeNull());

  it("estimates a constant-bit-rate MP3 from its first frame", () => {
    // MPEG-1 layer III, 32 kbit/s, 44.1 kHz, mono frames: 4 KB a second.
    const frame = new Uint8Array(104);
    frame.set([0xff, 0xfb, 0x10, 0xc4]);
    const bytes = new Uint8Array(frame.length * 400);
    for (let i = 0; i < 400; i++) bytes.set(frame, i * frame.length);
    const r = mp3DurationSeconds(bytes)!;
    expect(r.estimated).toBe(true);
    expect(r.seconds).toBeCloseTo((bytes.length * 8) / 32000, 3);
  });

  it("reads an MP3's exact length from its Xing header (after an ID3 tag)", () => {
    const id3 = new Uint8Array([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 10, ...new Array(10).fill(0)]);
    const frame = new Uint8Array(417);
    frame.set([0xff, 0xfb, 0x90, 0x04]); // MPEG-1 L3 128 kbit/s 44.1 kHz stereo
    const xing = 4 + 32;
    frame.set(new TextEncoder().encode("Xing"), xing);
    frame.set([0, 0, 0, 1, 0, 0, 0x03, 0xe8], xing + 4); // frames flag, 1000 frames
    const r = mp3DurationSeconds(new Uint8Array([...id3, ...frame]))!;
    expect(r).toEqual({ seconds: (1000 * 1152) / 44100, estimated: false });
  });

  it.each([
    ["Duration: 0:42", 42],
    ["Length: 1:02:03", 3723],
    ["Duur: 2:05", 125],
    ["Length: 42 seconds", 42],
    ["nothing", null],
  ])("durationFromText(%j)", (text, seconds) => expect(durationFromText(text)).toBe(seconds));

  it.each([
    [42, "0:42"],
    [61.6, "1:02"],
    [3723, "1:02:03"],
  ])("formatDuration(%d)", (s, text) => expect(formatDuration(s)).toBe(text));

  it.each<[string, Parameters<typeof voicemailTitle>, string]>([
    ["number and length", [{ number: "+31 20 123 4567", withheld: false }, { seconds: 42, estimated: false, source: "wav" }], "Voicemail from +31 20 123 4567, 0:42"],
    ["estimated", [{ number: "+31 6 1", withheld: false }, { seconds: 42.4, estimated: true, source: "mp3" }], "Voicemail from +31 6 1, about 0:42"],
    ["withheld, unknown length", [{ number: null, withheld: true }, null], "Voicemail from a withheld number, length unknown"],
    ["no number", [{ number: null, withheld: false }, null], "Voicemail from an unknown number, length unknown"],
  ])("voicemailTitle: %s", (_n, args, title) => expect(voicemailTitle(...args)).toBe(title));

  it.each([
    [{ filename: "msg.wav", contentType: "audio/wav" }, true],
    [{ filename: "msg.mp3", contentType: "application/octet-stream" }, true],
    [{ filename: "msg.pdf", contentType: "application/octet-stream" }, false],
    [{ filename: null, contentType: "audio/x-m4a" }, true],
    [{ filename: "photo.jpg", contentType: "image/jpeg" }, false],
  ])("isAudio(%j) = %j", (a, expected) => expect(isAudio(a)).toBe(expected));
});

describe("bounces", () => {
  const status = "Reporting-MTA: dns; mx.test\n\nFinal-Recipient: rfc822; kim@ops.test\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\n";

  it("reads the per-recipient fields of a delivery-status part", () => {
    expect(parseDeliveryStatus(status)).toEqual([{ recipient: "kim@ops.test", action: "failed", status: "5.1.1", diagnostic: "550 5.1.1 User unknown" }]);
  });

  it("finds our Message-ID and delivery header in the returned headers", () => {
    const f = bounceFacts({ statusText: status, returned: "From: s@x\nMessage-ID: <page-1@x.test>\nX-Outofband-Delivery: al_1:0:0:kim:0\n", body: "" });
    expect(f).toMatchObject({ messageIds: ["<page-1@x.test>"], deliveryIds: ["al_1:0:0:kim:0"], permanent: true });
    expect(f.reason).toContain("5.1.1");
  });

  it("does not fail anything over a delay", () => {
    expect(bounceFacts({ statusText: status.replace("failed", "delayed").replace("5.1.1", "4.4.1"), returned: null, body: "" }).permanent).toBe(false);
  });

  it("reads a prose bounce that quotes the original below", () => {
    const f = bounceFacts({ statusText: null, returned: null, body: "Sorry, 550 5.1.1 user unknown.\n--- original ---\nMessage-ID: <page-2@x.test>\nX-Outofband-Delivery: al_2:0:0:kim:0\n" });
    expect(f).toMatchObject({ messageIds: ["<page-2@x.test>"], deliveryIds: ["al_2:0:0:kim:0"], permanent: true });
  });
});
