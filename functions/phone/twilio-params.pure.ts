// Twilio's webhook parameters, validated at the boundary (after the signature check). Only the
// parameters the hotline reads; Twilio sends more, which are ignored. Names are Twilio's.
// https://www.twilio.com/docs/usage/webhooks/voice-webhooks
// https://www.twilio.com/docs/messaging/guides/webhook-request
import * as z from "zod";

const sid = (prefix: string, what: string) => z.string().regex(new RegExp(`^${prefix}[0-9a-f]{32}$`), `A ${what} is ${prefix} and 32 hex digits.`);
const seconds = z.coerce.number().int("Whole seconds.").min(0).max(86_400);
/** A caller id: E.164, or Twilio's words and numbers for withheld ones ("anonymous", ...). */
const callerId = z.string().max(64, "A caller id is at most 64 characters.").default("");

export const AccountSid = sid("AC", "Twilio AccountSid");

export const IncomingCall = z.object({
  CallSid: sid("CA", "Twilio CallSid"),
  AccountSid: AccountSid.optional(),
  From: callerId,
  To: z.string().max(64).default(""),
});

export const CallCallback = z.object({
  CallSid: sid("CA", "Twilio CallSid"),
  AccountSid: AccountSid.optional(),
});

export const RecordingCallback = z.object({
  CallSid: sid("CA", "Twilio CallSid"),
  AccountSid: AccountSid.optional(),
  RecordingSid: sid("RE", "Twilio RecordingSid"),
  RecordingStatus: z.enum(["in-progress", "completed", "absent", "failed", "paused", "stopped", "processing"]),
  RecordingDuration: seconds.default(0),
});

export const TranscriptionCallback = z.object({
  CallSid: sid("CA", "Twilio CallSid"),
  AccountSid: AccountSid.optional(),
  TranscriptionSid: sid("TR", "Twilio TranscriptionSid"),
  TranscriptionStatus: z.enum(["completed", "failed", "in-progress"]),
  TranscriptionText: z.string().max(20_000, "A transcription is at most 20,000 characters.").default(""),
});

export const CallStatusCallback = z.object({
  CallSid: sid("CA", "Twilio CallSid"),
  AccountSid: AccountSid.optional(),
  From: callerId,
  To: z.string().max(64).default(""),
  CallStatus: z.enum(["queued", "initiated", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled"]),
  CallDuration: seconds.optional(),
});

/** An SMS: 10 segments are at most 1,600 characters (Twilio's own limit for one message). */
export const IncomingSms = z
  .object({
    MessageSid: z.string().optional(),
    SmsSid: z.string().optional(),
    AccountSid: AccountSid.optional(),
    From: z.string().min(1, "An SMS has a sender (From).").max(64),
    To: z.string().max(64).default(""),
    Body: z.string().max(1_600, "An SMS is at most 1,600 characters (10 segments).").default(""),
    NumMedia: z.coerce.number().int().min(0).max(10).default(0),
    OptOutType: z.string().max(20).optional(),
  })
  .transform((v, ctx) => {
    const messageSid = v.MessageSid ?? v.SmsSid ?? "";
    if (!/^(SM|MM)[0-9a-f]{32}$/i.test(messageSid)) {
      ctx.addIssue({ code: "custom", path: ["MessageSid"], message: "A Twilio message webhook carries a MessageSid (SM + 32 hex digits)." });
      return z.NEVER;
    }
    return { ...v, MessageSid: messageSid };
  });

/** The recording callback's URL says who called: Twilio does not repeat From there. */
export const CallbackQuery = z.object({ from: callerId, empty: z.literal("1").optional() });
