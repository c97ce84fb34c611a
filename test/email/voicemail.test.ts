// Voicemail by mail: a telephone messaging service's mail becomes a report that says "Voicemail
// from +31 20 123 4567, 0:42", with a signed, expiring link to the audio; the page carries the
// caller's number; staff download the recording; a 20 MB recording is handled like a small one.
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { listFilesOfReport } from "../../functions/files/queries";
import { listMessages } from "../../functions/reports/queries";
import { drain, quietOnCall, testEnv } from "../alerts/helpers";
import { fetchWorker, staffHeaders } from "../helpers";
import { inboundRow, kimOnCall, messageIdIn, receive, reportOf } from "./helpers";
import { voicemailMail, VOICEMAIL, wav } from "./mails";

beforeAll(kimOnCall);
beforeEach(quietOnCall);

describe("voicemail", () => {
  it("files 'Voicemail from <number>, <length>' with the caller's number and a signed link to the audio", async () => {
    const t = testEnv();
    const raw = voicemailMail({ caller: "+31 20 123 4567", seconds: 42 });
    const got = await receive(t, { raw, to: VOICEMAIL });
    const report = (await reportOf(messageIdIn(raw)))!;
    expect(report).toMatchObject({ subject: "Voicemail from +31 20 123 4567, 0:42", urgency: "critical", reporter: { phone: "+31 20 123 4567", email: "voicemail@phone-service.test" } });

    const [first] = await listMessages(env.DB, report.id);
    const link = /Listen: (\S+)/.exec(first!.body)![1]!;
    expect(link).toMatch(/\/files\/f_[0-9a-f]{20}\.[0-9a-z]+\.[0-9a-f]{32}$/);
    const audio = await fetchWorker(new URL(link).pathname);
    expect(audio.status).toBe(200);
    expect(audio.headers.get("content-type")).toBe("audio/wav");
    expect(new Uint8Array(await audio.arrayBuffer()).byteLength).toBe(44 + 42 * 8000);

    const files = await listFilesOfReport(env.DB, report.id);
    expect(files.map((f) => f.kind).sort()).toEqual(["raw-mail", "recording"]);
    expect(files.find((f) => f.kind === "recording")).toMatchObject({ name: "voicemail.wav", contentType: "audio/wav", detail: { duration_seconds: 42, duration_source: "wav", caller: "+31 20 123 4567" } });

    // The auto-reply to the service carries the reference.
    expect(got.record.replies[0]!.subject).toContain(report.reference);

    // The page to on-call says who called, and how to call back.
    await drain(t, new Date());
    const page = t.mail.find((m) => m.to === "kim@ops.example.test" && m.subject.includes("Voicemail from +31 20 123 4567"))!;
    expect(page.text).toContain("+31 20 123 4567");
    expect(page.text).toContain("/files/");
  });

  it("a tampered or expired audio link opens nothing", async () => {
    const t = testEnv();
    const raw = voicemailMail({ caller: "+31 6 9876 5432", seconds: 3 });
    await receive(t, { raw, to: VOICEMAIL });
    const report = (await reportOf(messageIdIn(raw)))!;
    const link = new URL(/Listen: (\S+)/.exec((await listMessages(env.DB, report.id))[0]!.body)![1]!);
    const tampered = link.pathname.replace(/.$/, (c) => (c === "0" ? "1" : "0"));
    expect((await fetchWorker(tampered)).status).toBe(404);
  });

  it("refuses a 20 MB WAV at SMTP time with the reason: base64 makes it 28 MB, over Email Routing's 25 MiB", async () => {
    const t = testEnv();
    const raw = voicemailMail({ caller: "+31 20 765 4321", audio: wav(20_000_000 / 8000) });
    expect(raw.length).toBeGreaterThan(26_214_400);
    const got = await receive(t, { raw, to: VOICEMAIL });
    expect(got.thrown).toBeNull();
    expect(got.record.rejected).toMatch(/too large.*25 MB/);
    expect(await inboundRow(messageIdIn(raw))).toBeNull();
  }, 120_000);

  it("handles the largest recording that fits (18 MB): stored whole, its length read from the header", async () => {
    const t = testEnv();
    const seconds = 18_000_000 / 8000;
    const raw = voicemailMail({ caller: "+31 20 765 4321", audio: wav(seconds) });
    expect(raw.length).toBeLessThan(26_214_400);
    const got = await receive(t, { raw, to: VOICEMAIL });
    expect(got.thrown).toBeNull();
    expect(got.record.rejected).toBeNull();
    const report = (await reportOf(messageIdIn(raw)))!;
    expect(report.subject).toBe("Voicemail from +31 20 765 4321, 37:30");
    const recording = (await listFilesOfReport(env.DB, report.id)).find((f) => f.kind === "recording")!;
    expect(recording.size).toBe(44 + 18_000_000);
    const staff = await fetchWorker(`/api/admin/files/${recording.id}`, { headers: staffHeaders() });
    expect(staff.status).toBe(200);
    expect((await staff.arrayBuffer()).byteLength).toBe(recording.size);
  }, 120_000);

  it("says so when the caller withheld the number", async () => {
    const t = testEnv();
    const raw = voicemailMail({ caller: "Anonymous", seconds: 5 });
    await receive(t, { raw, to: VOICEMAIL });
    expect((await reportOf(messageIdIn(raw)))!.subject).toBe("Voicemail from a withheld number, 0:05");
    expect((await inboundRow(messageIdIn(raw)))!.detail).toMatchObject({ voicemail: true });
  });
});
