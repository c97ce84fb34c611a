// The voice hotline against the loopback fake Twilio: the greeting's TwiML (parsed as XML) with
// the live status; a voicemail becomes a report on channel "phone" with the recording copied
// into R2 and a signed link first in its text (and so in the page); the transcription joins the
// thread later; a missed call; the sweep; deduplication of Twilio's retries; storage down.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { findAlert } from "../../functions/alerts/queries";
import { twilioSignature } from "../../functions/alerts/twilio-signature";
import { listFilesOfReport } from "../../functions/files/queries";
import { finishCalls } from "../../functions/phone/cron";
import { findCall } from "../../functions/phone/queries";
import { phoneSettings } from "../../functions/phone/settings";
import { findReportById } from "../../functions/reports/queries";
import { fakeProviders } from "../helpers";
import { brokenDb } from "../reports/helpers";
import { pushConfig, quietOnCall } from "../alerts/helpers";
import {
  ACCOUNT,
  AUTH_TOKEN,
  callEnded,
  callHotline,
  env,
  mobile,
  phoneEnv,
  recordingCallback,
  request,
  reportOf,
  sid,
  threadOf,
  transcriptionCallback,
  twilioPost,
  twimlOf,
} from "./helpers";

beforeAll(async () => {
  await pushConfig({
    version: 1,
    people: [{ id: "olga", name: "Olga", timezone: "UTC", contactMethods: [{ type: "email", address: "olga@ops.example.test" }] }],
    policies: [{ id: "hotline", levels: [{ timeoutMinutes: 5, targets: [{ person: "olga" }] }] }],
    routing: { rules: [], defaultPolicy: "hotline" },
  });
});
beforeEach(quietOnCall);

const channelMessageId = (callSid: string) => `call:${callSid}`;

async function twilioRequestsFor(recordingSid: string) {
  return (await fakeProviders.requests("twilio")).filter((r) => r.path.includes(recordingSid));
}

describe("answering a call", () => {
  it("greets in the company's name, speaks the live status and records with a length, a timeout and signed callbacks", async () => {
    const t = phoneEnv();
    const component = `cmp_${crypto.randomUUID().slice(0, 8)}`;
    const now = new Date().toISOString();
    await env.DB.prepare("INSERT INTO components (id, name, status, position, created_at, updated_at) VALUES (?1, 'Mail', 'major_outage', 1, ?2, ?2)").bind(component, now).run();
    try {
      const call = await callHotline(t, mobile());
      expect(call.twiml.says[0]).toBe("Hello, you have reached the urgent line of Example Hosting.");
      expect(call.twiml.says[1]).toBe("Our status page reports a major outage of Mail; we are working on it.");
      expect(call.twiml.says[2]).toMatch(/^Please leave a message after the tone/);
      expect(call.record).toMatchObject({
        method: "POST",
        maxLength: "119",
        timeout: "8",
        finishOnKey: "#",
        playBeep: "true",
        trim: "trim-silence",
        recordingStatusCallbackMethod: "POST",
        recordingStatusCallbackEvent: "completed absent",
        transcribe: "true",
      });
      const token = /\/hooks\/twilio\/recording\/([0-9a-f]{32})\?from=/.exec(call.record.recordingStatusCallback!)![1];
      expect(call.record.action).toBe(`https://status.example-hosting.test/hooks/twilio/voicemail/${token}?from=${encodeURIComponent(call.from)}`);
      expect(call.record.transcribeCallback).toBe(`https://status.example-hosting.test/hooks/twilio/transcription/${token}?from=${encodeURIComponent(call.from)}`);
      expect(call.twiml.redirect).toBe(`https://status.example-hosting.test/hooks/twilio/voicemail/${token}?from=${encodeURIComponent(call.from)}&empty=1`);
      // Every call is stored.
      expect(await findCall(env.DB, call.callSid)).toMatchObject({ from: call.from, to: "+31201234567", reportId: null });
    } finally {
      await env.DB.prepare("UPDATE components SET status = 'operational' WHERE id = ?1").bind(component).run();
    }
    const later = await callHotline(t, mobile());
    expect(later.twiml.says[1]).toBe("All systems are operational.");
  });

  it("a retried voice webhook (same CallSid) answers again and stores the call once", async () => {
    const t = phoneEnv();
    const from = mobile();
    const first = await callHotline(t, from);
    const again = await callHotline(t, from, first.callSid);
    expect(again.record.recordingStatusCallback).toBe(first.record.recordingStatusCallback);
    const { n } = (await env.DB.prepare("SELECT COUNT(*) AS n FROM phone_calls WHERE call_sid = ?1").bind(first.callSid).first<{ n: number }>())!;
    expect(n).toBe(1);
  });

  it("takes the call when storage is down: the greeting says the status is unknown, the message is still recorded", async () => {
    const t = phoneEnv({ DB: brokenDb });
    const call = await callHotline(t, mobile());
    expect(call.twiml.says[1]).toMatch(/^We cannot read our status page at this moment/);
    expect(call.record.recordingStatusCallback).toMatch(/\/hooks\/twilio\/recording\/[0-9a-f]{32}\?from=/);
  });
});

describe("a voicemail", () => {
  it("becomes a report with the caller, the length, the recording copied into R2 and its signed link in the page", async () => {
    const t = phoneEnv();
    const from = mobile();
    const call = await callHotline(t, from);
    const thanks = await twimlOf(await twilioPost(t, call.record.action!, { AccountSid: ACCOUNT, CallSid: call.callSid, From: from, RecordingUrl: "x", RecordingDuration: "42", Digits: "hangup" }));
    expect(thanks.says[0]).toMatch(/^Thank you\. Your message has reached the engineer on call at Example Hosting\./);
    expect(thanks.hangup).toBe(true);

    const rec = recordingCallback(t, call, { seconds: 42 });
    expect((await rec.send()).status).toBe(204);

    const report = (await reportOf("phone", channelMessageId(call.callSid)))!;
    expect(report).toMatchObject({ channel: "phone", subject: `Voicemail from …${from.slice(-4)}, 0:42`, state: "new" });
    expect(report.reporter.phone).toBe(from);
    const [first] = await threadOf(report.id);
    expect(first!.body).toMatch(/^Listen: https:\/\/status\.example-hosting\.test\/files\/f_[0-9a-f]{20}\.[0-9a-z]+\.[0-9a-f]{32} \(link valid until /);
    expect(first!.body).toContain("Voicemail of 0:42, left at ");

    // Fetched from Twilio's API (the fake) with basic auth, as the WAV Twilio serves.
    const [fetched] = await twilioRequestsFor(rec.recordingSid);
    expect(fetched).toMatchObject({ method: "GET", path: `/2010-04-01/Accounts/${ACCOUNT}/Recordings/${rec.recordingSid}.wav` });
    expect(fetched!.headers.authorization).toBe(`Basic ${btoa(`${ACCOUNT}:${AUTH_TOKEN}`)}`);

    // Stored in R2, attached to the report, served through the signed link.
    const [file] = await listFilesOfReport(env.DB, report.id);
    expect(file).toMatchObject({ kind: "recording", contentType: "audio/wav", detail: { callSid: call.callSid, recordingSid: rec.recordingSid, from, durationSeconds: 42 } });
    const object = await env.FILES.get(file!.r2Key);
    const bytes = new Uint8Array(await object!.arrayBuffer());
    expect(new TextDecoder().decode(bytes.slice(0, 4))).toBe("RIFF");
    const link = /https:\/\/status\.example-hosting\.test(\/files\/\S+)/.exec(first!.body)![1]!;
    const got = await request(t, `https://status.example-hosting.test${link}`);
    expect(got.status).toBe(200);
    expect(got.headers.get("content-type")).toBe("audio/wav");
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(bytes);

    // Neither Twilio's credentials nor a credentialed URL are stored or paged.
    const stored = JSON.stringify([report, await threadOf(report.id), await findCall(env.DB, call.callSid)]);
    expect(stored).not.toContain(AUTH_TOKEN);
    expect(stored).not.toMatch(/https?:\/\/[^/\s"]*@/);

    // The page (by mail: the whole first message) carries the link.
    const page = t.mail.find((m) => m.to === "olga@ops.example.test" && m.text.includes(report.reference));
    expect(page!.subject).toContain(`Voicemail from …${from.slice(-4)}, 0:42`);
    // A personal channel: the page names the whole number to call back.
    expect(page!.text).toContain(`${report.reference} ${from}`);
    expect(page!.text).toContain(link);
    expect(page!.text).not.toContain(AUTH_TOKEN);
  });

  it("the transcription is added to the thread when it arrives, and reaches whoever handles the report", async () => {
    const t = phoneEnv();
    const call = await callHotline(t, mobile());
    const rec = recordingCallback(t, call, { seconds: 12 });
    await rec.send();
    const report = (await reportOf("phone", channelMessageId(call.callSid)))!;
    const tr = transcriptionCallback(t, call, rec.recordingSid, "All our sites are down since ten o'clock, please call me back.");
    expect((await tr.send()).status).toBe(204);
    const thread = await threadOf(report.id);
    expect(thread.at(-1)).toMatchObject({ author: "reporter", body: `Transcription of the voicemail (automatic, may contain errors): "All our sites are down since ten o'clock, please call me back."` });
    // A follow-up job for the fan-out (it tells whoever acknowledged, or the people paged).
    expect(t.queued.some((q) => q.body.type === "report.followup" && q.body.reportId === report.id)).toBe(true);
    // Twilio's retry of the same transcription adds nothing.
    expect((await tr.send()).status).toBe(204);
    expect((await threadOf(report.id)).length).toBe(thread.length);
  });

  it("a transcription that arrives before the recording goes into the voicemail's first message", async () => {
    const t = phoneEnv();
    const call = await callHotline(t, mobile());
    const recordingSid = sid("RE");
    await transcriptionCallback(t, call, recordingSid, "Mail bounces for every customer.").send();
    await recordingCallback(t, call, { recordingSid, seconds: 9 }).send();
    const report = (await reportOf("phone", channelMessageId(call.callSid)))!;
    const thread = await threadOf(report.id);
    expect(thread).toHaveLength(1);
    expect(thread[0]!.body).toContain('What they said (automatic transcription, may contain errors): "Mail bounces for every customer."');
  });

  it("a transcription after the report was resolved is a note: it neither reopens the report nor pages", async () => {
    const t = phoneEnv();
    const call = await callHotline(t, mobile());
    const rec = recordingCallback(t, call, { seconds: 20 });
    await rec.send();
    const report = (await reportOf("phone", channelMessageId(call.callSid)))!;
    await env.DB.prepare("UPDATE reports SET state = 'resolved', resolved_at = ?2 WHERE id = ?1").bind(report.id, new Date().toISOString()).run();
    const queuedBefore = t.queued.length;
    await transcriptionCallback(t, call, rec.recordingSid, "Never mind, it works again.").send();
    const thread = await threadOf(report.id);
    expect(thread.at(-1)).toMatchObject({ author: "system", authorName: "Transcription", body: expect.stringContaining("Never mind, it works again.") });
    expect((await findReportById(env.DB, report.id))!.state).toBe("resolved");
    expect(t.queued.slice(queuedBefore).filter((q) => q.body.type === "report.followup" || q.body.type === "report.received")).toEqual([]);
  });

  it("a failed transcription is a note, not a follow-up", async () => {
    const t = phoneEnv();
    const call = await callHotline(t, mobile());
    const rec = recordingCallback(t, call, { seconds: 20 });
    await rec.send();
    const report = (await reportOf("phone", channelMessageId(call.callSid)))!;
    await transcriptionCallback(t, call, rec.recordingSid, "", "failed").send();
    expect((await threadOf(report.id)).at(-1)).toMatchObject({ author: "system", body: "Twilio could not transcribe the voicemail; listen to the recording." });
  });

  it("Twilio's retry of the recording callback makes no second report and fetches nothing again", async () => {
    const t = phoneEnv();
    const call = await callHotline(t, mobile());
    const rec = recordingCallback(t, call, { seconds: 30 });
    await rec.send();
    await rec.send();
    const { n } = (await env.DB.prepare("SELECT COUNT(*) AS n FROM reports WHERE channel_message_id = ?1").bind(channelMessageId(call.callSid)).first<{ n: number }>())!;
    expect(n).toBe(1);
    expect(await twilioRequestsFor(rec.recordingSid)).toHaveLength(1);
  });

  it("when Twilio cannot serve the recording, the report is filed anyway and the sweep copies it later", async () => {
    const t = phoneEnv();
    const call = await callHotline(t, mobile());
    const recordingSid = sid("RE");
    // Twilio answers 500 for this recording (only this test's request is scripted).
    await fetch(`${fakeProviders.url()}/__script`, {
      method: "POST",
      body: JSON.stringify({ provider: "twilio", match: recordingSid, responses: [{ status: 500, body: { code: 20500, message: "Internal Server Error", status: 500 } }] }),
    });
    const rec = recordingCallback(t, call, { recordingSid, seconds: 15 });
    expect((await rec.send()).status).toBe(204);
    const report = (await reportOf("phone", channelMessageId(call.callSid)))!;
    const [first] = await threadOf(report.id);
    expect(first!.body).toContain(`it is kept at Twilio: ${fakeProviders.url()}/twilio/2010-04-01/Accounts/${ACCOUNT}/Recordings/${recordingSid}.wav (sign in with the Twilio account)`);
    expect(await listFilesOfReport(env.DB, report.id)).toEqual([]);
    expect((await findCall(env.DB, call.callSid))!).toMatchObject({ copyAttempts: 1, copyError: "Twilio answered 500 for the recording" });

    // A minute later the sweep copies it and adds the link to the thread.
    const later = new Date(Date.now() + 2 * 60_000);
    const s = phoneSettings(t.env, t.svc.config);
    const swept = await finishCalls(t.svc, s, later);
    expect(swept.copies).toBeGreaterThanOrEqual(1);
    const [file] = await listFilesOfReport(env.DB, report.id);
    expect(file).toMatchObject({ kind: "recording" });
    expect((await threadOf(report.id)).at(-1)).toMatchObject({ author: "system", body: expect.stringMatching(/^The recording is copied: https:\/\/status\.example-hosting\.test\/files\/f_/) });
  });
});

describe("a call without a message", () => {
  it("a 0-second recording is a missed call", async () => {
    const t = phoneEnv();
    const from = mobile();
    const call = await callHotline(t, from);
    await recordingCallback(t, call, { seconds: 0 }).send();
    const report = (await reportOf("phone", channelMessageId(call.callSid)))!;
    expect(report.subject).toBe(`Missed call from …${from.slice(-4)}`);
    expect((await threadOf(report.id))[0]!.body).toMatch(/the caller hung up without leaving a message/);
    expect(await listFilesOfReport(env.DB, report.id)).toEqual([]);
  });

  it("an absent recording (too short or silent) is a missed call", async () => {
    const t = phoneEnv();
    const call = await callHotline(t, mobile());
    await recordingCallback(t, call, { seconds: 0, status: "absent" }).send();
    expect((await reportOf("phone", channelMessageId(call.callSid)))!.subject).toBe(`Missed call from …${call.from.slice(-4)}`);
  });

  it("nothing recorded (silence): the caller hears a goodbye and a missed call is filed at once", async () => {
    const t = phoneEnv();
    const call = await callHotline(t, mobile());
    const bye = await twimlOf(await twilioPost(t, call.twiml.redirect!, { AccountSid: ACCOUNT, CallSid: call.callSid, From: call.from, CallStatus: "in-progress" }));
    expect(bye.says[0]).toMatch(/^We did not hear a message\./);
    expect(bye.hangup).toBe(true);
    expect((await reportOf("phone", channelMessageId(call.callSid)))!.subject).toBe(`Missed call from …${call.from.slice(-4)}`);
  });

  it("a hang-up during the greeting: the sweep files a missed call once the call has ended, not before", async () => {
    const t = phoneEnv();
    const call = await callHotline(t, mobile());
    expect((await callEnded(t, call, 9)).status).toBe(204);
    const s = phoneSettings(t.env, t.svc.config);
    await finishCalls(t.svc, s, new Date(Date.now() + 10_000));
    expect(await reportOf("phone", channelMessageId(call.callSid))).toBeNull();
    await finishCalls(t.svc, s, new Date(Date.now() + 60_000));
    const report = (await reportOf("phone", channelMessageId(call.callSid)))!;
    expect(report.subject).toBe(`Missed call from …${call.from.slice(-4)}`);
    expect((await threadOf(report.id))[0]!.body).toContain("(the call lasted 0:09)");
    // Swept again: nothing new.
    await finishCalls(t.svc, s, new Date(Date.now() + 120_000));
    const { n } = (await env.DB.prepare("SELECT COUNT(*) AS n FROM reports WHERE channel_message_id = ?1").bind(channelMessageId(call.callSid)).first<{ n: number }>())!;
    expect(n).toBe(1);
  });

  it("without a status callback, a call is a missed call once any recording would have come", async () => {
    const t = phoneEnv();
    const call = await callHotline(t, mobile());
    const s = phoneSettings(t.env, t.svc.config);
    await finishCalls(t.svc, s, new Date(Date.now() + 2 * 60_000));
    expect(await reportOf("phone", channelMessageId(call.callSid))).toBeNull();
    await finishCalls(t.svc, s, new Date(Date.now() + 6 * 60_000));
    expect((await reportOf("phone", channelMessageId(call.callSid)))!.subject).toBe(`Missed call from …${call.from.slice(-4)}`);
  });

  it("a recording after the sweep filed a missed call joins that report's thread", async () => {
    const t = phoneEnv();
    const call = await callHotline(t, mobile());
    await callEnded(t, call, 60);
    await finishCalls(t.svc, phoneSettings(t.env, t.svc.config), new Date(Date.now() + 60_000));
    const report = (await reportOf("phone", channelMessageId(call.callSid)))!;
    expect(report.subject).toMatch(/^Missed call/);
    await recordingCallback(t, call, { seconds: 40 }).send();
    const thread = await threadOf(report.id);
    expect(thread.at(-1)!.body).toMatch(/^Listen: https:\/\/status\.example-hosting\.test\/files\//);
    expect(await listFilesOfReport(env.DB, report.id)).toHaveLength(1);
    expect((await findCall(env.DB, call.callSid))!.outcome).toBe("voicemail");
  });

  it("a withheld number still raises a report", async () => {
    const t = phoneEnv();
    const call = await callHotline(t, "anonymous");
    await recordingCallback(t, call, { seconds: 0, status: "absent" }).send();
    const report = (await reportOf("phone", channelMessageId(call.callSid)))!;
    expect(report.subject).toBe("Missed call from a withheld number");
    expect(report.reporter).toMatchObject({ phone: null, name: "Caller with a withheld number" });
  });
});

describe("storage down", () => {
  it("the voicemail is paged by mail to FALLBACK_PAGE_TO with where to listen to it", async () => {
    const t = phoneEnv();
    const call = await callHotline(t, mobile());
    const down = phoneEnv({ DB: brokenDb, FALLBACK_PAGE_TO: "fallback@oncall.example.test" });
    const rec = recordingCallback(down, call, { seconds: 33 });
    const res = await rec.send();
    expect(res.status).toBe(503);
    const mail = down.mail.find((m) => m.to === "fallback@oncall.example.test")!;
    expect(mail.subject).toBe(`URGENT (not stored): Voicemail from …${call.from.slice(-4)}, 0:33`);
    expect(mail.text).toContain(`Phone:     ${call.from}`);
    expect(mail.text).toContain(`/2010-04-01/Accounts/${ACCOUNT}/Recordings/${rec.recordingSid}.wav`);
    expect(mail.text).not.toContain(AUTH_TOKEN);
  });

  it("a call that ends while storage is down is paged by mail at once", async () => {
    const down = phoneEnv({ DB: brokenDb, FALLBACK_PAGE_TO: "fallback@oncall.example.test" });
    const from = mobile();
    const res = await callEnded(down, { callSid: sid("CA"), from }, 14);
    expect(res.status).toBe(503);
    expect(down.mail.find((m) => m.to === "fallback@oncall.example.test")!.subject).toBe(`URGENT (not stored): Call from …${from.slice(-4)} (storage down)`);
  });
});

describe("what an attacker would try", () => {
  it("refuses a recording callback for a call the hotline never answered", async () => {
    const t = phoneEnv();
    const call = await callHotline(t, mobile());
    const token = /recording\/([0-9a-f]{32})/.exec(call.record.recordingStatusCallback!)![1]!;
    const otherCall = sid("CA");
    const cases = [
      // Another CallSid under this call's token (Twilio signs the URL, the token binds the call).
      { url: call.record.recordingStatusCallback!, callSid: otherCall },
      // Another caller under this call's token.
      { url: call.record.recordingStatusCallback!.replace(encodeURIComponent(call.from), encodeURIComponent(mobile())), callSid: call.callSid },
      // A made-up token.
      { url: call.record.recordingStatusCallback!.replace(token, "0".repeat(32)), callSid: call.callSid },
    ];
    for (const c of cases) {
      const rec = recordingCallback(t, { ...call, callSid: c.callSid, record: { ...call.record, recordingStatusCallback: c.url } }, { seconds: 10 });
      const res = await rec.send();
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("forbidden");
      expect(await twilioRequestsFor(rec.recordingSid)).toEqual([]);
    }
    expect(await reportOf("phone", channelMessageId(otherCall))).toBeNull();
    expect(await reportOf("phone", channelMessageId(call.callSid))).toBeNull();
  });

  it.each([
    ["missing", null],
    ["forged", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="],
  ])("refuses every hotline webhook with a %s signature, changing nothing", async (_name, signature) => {
    const t = phoneEnv();
    const call = await callHotline(t, mobile());
    const rec = recordingCallback(t, call, { seconds: 10 });
    const attempts: Array<[string, Record<string, string>]> = [
      ["/hooks/twilio/voice", { AccountSid: ACCOUNT, CallSid: sid("CA"), From: mobile(), To: "+31201234567" }],
      [call.record.recordingStatusCallback!, rec.params],
      [call.record.transcribeCallback!, transcriptionCallback(t, call, rec.recordingSid, "x").params],
      [call.record.action!, { AccountSid: ACCOUNT, CallSid: call.callSid }],
      ["/hooks/twilio/call-status", { AccountSid: ACCOUNT, CallSid: call.callSid, CallStatus: "completed", CallDuration: "3", From: call.from }],
    ];
    for (const [url, params] of attempts) {
      const res = await twilioPost(t, url, params, signature);
      expect(res.status).toBe(403);
    }
    expect(await findCall(env.DB, call.callSid)).toMatchObject({ recordingSid: null, endedAt: null, reportId: null });
  });

  it("refuses a signature made over other parameters (a longer recording claimed in transit)", async () => {
    const t = phoneEnv();
    const call = await callHotline(t, mobile());
    const rec = recordingCallback(t, call, { seconds: 10 });
    const sig = await twilioSignature(AUTH_TOKEN, call.record.recordingStatusCallback!, Object.entries(rec.params));
    const res = await twilioPost(t, call.record.recordingStatusCallback!, { ...rec.params, RecordingDuration: "99" }, sig);
    expect(res.status).toBe(403);
    expect(await reportOf("phone", channelMessageId(call.callSid))).toBeNull();
  });

  it("refuses a validly signed webhook for another Twilio account", async () => {
    const t = phoneEnv();
    const res = await twilioPost(t, "/hooks/twilio/voice", { AccountSid: `AC${"f".repeat(32)}`, CallSid: sid("CA"), From: mobile(), To: "+31201234567" });
    expect(res.status).toBe(403);
  });

  it("refuses malformed parameters with a specific error", async () => {
    const t = phoneEnv();
    const call = await callHotline(t, mobile());
    const bad = await twilioPost(t, call.record.recordingStatusCallback!, { AccountSid: ACCOUNT, CallSid: call.callSid, RecordingSid: "RE-not-a-sid", RecordingStatus: "completed", RecordingDuration: "10" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain("RecordingSid");
    expect((await findCall(env.DB, call.callSid))!.recordingSid).toBeNull();
  });
});

it("a voicemail raises an ordinary alert that pages the on-call person at once", async () => {
  const t = phoneEnv();
  const call = await callHotline(t, mobile());
  await recordingCallback(t, call, { seconds: 25 }).send();
  const report = (await reportOf("phone", channelMessageId(call.callSid)))!;
  const alertId = (await findReportById(env.DB, report.id))!.alertId!;
  expect((await findAlert(env.DB, alertId))!.state).toBe("triggered");
  expect(t.mail.filter((m) => m.to === "olga@ops.example.test" && m.text.includes(report.reference))).toHaveLength(1);
});
