// The hotline's sweep, every minute: finishes what a webhook could not. A call that ended (or
// began long enough ago) without a recording becomes a missed-call report; a recording whose
// report was not filed (storage or Twilio failed half-way) is filed; a recording not yet copied
// into R2 is copied again (up to 10 times) and its link added to the thread; a transcript not
// yet in its thread is added. Each step is idempotent, so two sweeps at once do no harm.
import type { Services } from "../platform/services";
import type { CronTask } from "../platform/tasks";
import { addTranscriptToThread, fileMissedCall, processRecording, retryCopy, type PhoneServices } from "./calls";
import { listUnfinishedCalls, type PhoneCall } from "./queries";
import { phoneSettings, type PhoneSettings } from "./settings";

/** After the call ends, the recording callback usually follows within seconds. */
export const MISSED_AFTER_END_MS = 45_000;
/** Without a call status callback: the greeting, the longest message and processing. */
export const GREETING_AND_PROCESSING_MS = 180_000;
/** A step that failed is tried again this long after its last attempt. */
export const RETRY_AFTER_MS = 60_000;
export const MAX_COPY_ATTEMPTS = 10;
/** Calls finished per sweep: each is a few subrequests, well under the per-invocation limit. */
const BATCH = 20;

export type SweepResult = { missed: number; voicemails: number; copies: number; transcripts: number };

function nextStep(call: PhoneCall): keyof SweepResult {
  if (!call.reportId) return call.recordingSid ? "voicemails" : "missed";
  if (call.outcome === "voicemail" && !call.fileId && call.recordingStatus === "completed" && call.copyAttempts < MAX_COPY_ATTEMPTS) return "copies";
  return "transcripts";
}

export async function finishCalls(svc: PhoneServices, s: PhoneSettings, now: Date): Promise<SweepResult> {
  const calls = await listUnfinishedCalls(svc.db, {
    endedBefore: new Date(now.getTime() - MISSED_AFTER_END_MS).toISOString(),
    answeredBefore: new Date(now.getTime() - s.recordingMaxSeconds * 1000 - GREETING_AND_PROCESSING_MS).toISOString(),
    recordedBefore: new Date(now.getTime() - RETRY_AFTER_MS).toISOString(),
    maxCopyAttempts: MAX_COPY_ATTEMPTS,
    limit: BATCH,
  });
  const done: SweepResult = { missed: 0, voicemails: 0, copies: 0, transcripts: 0 };
  for (const call of calls) {
    const step = nextStep(call);
    try {
      if (step === "missed") await fileMissedCall(svc, call, now);
      else if (step === "voicemails") await processRecording(svc, s, call, now);
      else if (step === "copies") {
        if (!(await retryCopy(svc, s, call, now))) continue;
      } else if ((await addTranscriptToThread(svc, call, now)) === "replay") continue;
      done[step]++;
    } catch (err) {
      // One call that cannot be finished now does not hold up the others; the next sweep retries.
      console.error(`phone sweep: call ${call.callSid} (${step}) not finished`, err);
    }
  }
  return done;
}

export const phoneCronTask: CronTask = {
  name: "phone-calls",
  async run(svc: Services, now: Date) {
    await finishCalls(svc, phoneSettings(svc.channelSettings, svc.config), now);
  },
};
