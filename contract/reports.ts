// Report vocabulary shared by intake (every channel), on-call routing and the site.
import * as z from "zod";

/** Where a report came in. Each is an adapter feeding the one intake function. */
export const ReportChannel = z.enum(["web", "api", "email", "phone", "sms", "x", "mastodon", "bluesky"]);
export type ReportChannel = z.infer<typeof ReportChannel>;

/** The social networks among the channels (functions/social/): mentions and direct messages. */
export const SocialChannel = ReportChannel.extract(["x", "mastodon", "bluesky"]);
export type SocialChannel = z.infer<typeof SocialChannel>;

/** How urgent the reporter says it is (chosen on the form; channels without a choice: "high"). */
export const Urgency = z.enum(["critical", "high", "normal"]);
export type Urgency = z.infer<typeof Urgency>;

export const ReportState = z.enum(["new", "acknowledged", "resolved"]);
export type ReportState = z.infer<typeof ReportState>;

/** Who wrote a message in a report's thread. */
export const MessageAuthor = z.enum(["reporter", "staff", "system"]);
export type MessageAuthor = z.infer<typeof MessageAuthor>;

/** Length bounds, after normalisation. Shared by the form's hints, its script and the Worker. */
export const reportLimits = {
  name: 200,
  email: 254,
  phone: 40,
  xHandle: 15,
  socialHandle: 320,
  subjectMin: 3,
  subject: 200,
  messageMin: 10,
  message: 10_000,
  componentId: 64,
  channelMessageId: 512,
  idempotencyKey: 255,
  userAgent: 512,
} as const;

// C0/C1 control characters, DEL, and the bidirectional overrides/isolates that can make text
// read differently from what it is (U+202A-202E, U+2066-2069). Tab and newline are kept in
// multi-line text only.
const CONTROL_SINGLE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const CONTROL_MULTI = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * The one text normaliser of every intake channel: Unicode NFC, lone surrogates replaced,
 * control characters stripped, line endings unified; single-line text has its white space
 * collapsed, multi-line text keeps its lines (trailing spaces and >2 blank lines trimmed).
 */
export function normalizeText(value: string, opts: { multiline?: boolean } = {}): string {
  let text = value.toWellFormed().normalize("NFC").replace(/\r\n?/g, "\n");
  if (opts.multiline) {
    text = text
      .replace(CONTROL_MULTI, "")
      .replace(/\t/g, "    ")
      .replace(/[ \u00a0]+$/gm, "")
      .replace(/\n{3,}/g, "\n\n");
  } else {
    text = text.replace(CONTROL_SINGLE, " ").replace(/\s+/g, " ");
  }
  return text.trim();
}

const text = (max: number, tooLong: string) =>
  z
    .string()
    .transform((v) => normalizeText(v))
    .pipe(z.string().max(max, tooLong));

/** An optional field: absent, null or blank (after normalisation) is null; otherwise `inner`. */
const optionalText = <T extends z.ZodType>(inner: T, opts: { multiline?: boolean } = {}) =>
  z.preprocess((v) => (typeof v === "string" ? normalizeText(v, opts) || null : (v ?? null)), inner.nullable());

const email = z.email("Enter an email address like name@example.com.").max(reportLimits.email, "That email address is too long.");
const phone = z
  .string()
  .max(reportLimits.phone, "That phone number is too long.")
  .regex(/^\+?[0-9 ()./-]+$/, "Use digits, spaces and + ( ) - only, e.g. +31 20 123 4567.")
  .refine((v) => v.replace(/\D/g, "").length >= 5, "That phone number is too short.");
const xHandle = z
  .string()
  .regex(/^@?\w{1,15}$/, "An X handle is 1 to 15 letters, digits or _.")
  .transform((v) => v.replace(/^@/, ""));
/** A Mastodon account (user@instance) or a Bluesky handle (a domain name), without a leading @. */
const socialHandle = z
  .string()
  .max(reportLimits.socialHandle, "That handle is too long.")
  .regex(/^@?[A-Za-z0-9_.-]{1,253}(@[A-Za-z0-9.-]{1,253})?$/, "A handle is user@instance (Mastodon) or a domain name (Bluesky).")
  .transform((v) => v.replace(/^@/, ""));
const subject = z
  .string()
  .transform((v) => normalizeText(v))
  .pipe(
    z
      .string()
      .min(1, "Say in a few words what is wrong.")
      .min(reportLimits.subjectMin, `Use at least ${reportLimits.subjectMin} characters.`)
      .max(reportLimits.subject, `Keep the subject under ${reportLimits.subject} characters.`),
  );
const message = z
  .string()
  .transform((v) => normalizeText(v, { multiline: true }))
  .pipe(
    z
      .string()
      .min(1, "Describe the problem: what you see, since when, what is affected.")
      .min(reportLimits.messageMin, `Please describe the problem in at least ${reportLimits.messageMin} characters.`)
      .max(reportLimits.message, `Keep the message under ${reportLimits.message.toLocaleString("en")} characters.`),
  );
const componentId = optionalText(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "Choose a component from the list."));
/** A known (unresolved) incident the reporter says their problem is. "" or "other": none. */
const incidentId = z.preprocess(
  (v) => (typeof v === "string" ? (v.trim() === "" || v.trim() === "other" ? null : v.trim()) : (v ?? null)),
  z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "Choose one of the problems we know about, or \"Something else\".").nullable(),
);

const needsContact = "Give an email address or a phone number so that we can answer you.";
/** Channels whose reports may come without a way to answer (withheld caller id, sender names). */
const channelsWithoutContact = new Set<ReportChannel>(["phone", "sms"]);

/**
 * What a person submits through the web form or `POST /api/reports`: the fields of the HTTP
 * contract. Every value is normalised first, then bounded. Field names are the contract's.
 */
export const ReportSubmission = z
  .object({
    name: text(reportLimits.name, `Keep your name under ${reportLimits.name} characters.`).optional().default(""),
    email: optionalText(email),
    phone: optionalText(phone),
    subject,
    message,
    component: componentId,
    urgency: Urgency.default("high"),
    incident: incidentId.optional().default(null),
  })
  .superRefine((v, ctx) => {
    if (!v.email && !v.phone) {
      ctx.addIssue({ code: "custom", path: ["email"], message: needsContact });
      ctx.addIssue({ code: "custom", path: ["phone"], message: needsContact });
    }
  });
export type ReportSubmission = z.infer<typeof ReportSubmission>;

/**
 * The one input of the intake function, whatever the channel: a web form, the JSON API, an
 * email, an X mention or DM, an SMS. Adapters build it; `intakeReport` validates it again.
 */
export const NewReport = z
  .object({
    channel: ReportChannel,
    urgency: Urgency.default("high"),
    reporter: z.object({
      name: optionalText(z.string().max(reportLimits.name, `Keep the name under ${reportLimits.name} characters.`)),
      email: optionalText(email),
      phone: optionalText(phone),
      xHandle: optionalText(xHandle),
      /** The reporter's account on the report's channel when that is Mastodon or Bluesky. */
      socialHandle: optionalText(socialHandle),
    }),
    subject,
    message,
    componentId,
    /** The known incident the reporter said this is: stored and counted there, told to on-call
     * in the digest rather than paged (staff know already). */
    incidentId: incidentId.optional().default(null),
    /** The channel's own id for this input (email Message-ID, X tweet/DM id, form nonce): the
     * same id twice is the same report. */
    channelMessageId: optionalText(z.string().max(reportLimits.channelMessageId)),
    /** An integration's `Idempotency-Key` header. */
    idempotencyKey: optionalText(z.string().max(reportLimits.idempotencyKey, "Keep the Idempotency-Key under 255 characters.")),
    meta: z
      .object({
        userAgent: z.preprocess(
          (v) => (typeof v === "string" ? normalizeText(v).slice(0, reportLimits.userAgent) || null : (v ?? null)),
          z.string().nullable(),
        ),
        /** Salted hash of the client address: never the raw address. */
        clientHash: z.preprocess((v) => v ?? null, z.string().regex(/^[0-9a-f]{64}$/).nullable()),
      })
      .default({ userAgent: null, clientHash: null }),
  })
  .superRefine((v, ctx) => {
    // A call from a withheld number, or an SMS from a sender name rather than a number, has no
    // way back, and is still an urgent report (the caller may say their number in the message).
    if (!v.reporter.email && !v.reporter.phone && !v.reporter.xHandle && !v.reporter.socialHandle && !channelsWithoutContact.has(v.channel)) {
      ctx.addIssue({ code: "custom", path: ["reporter", "email"], message: needsContact });
    }
  });
/** What a channel adapter passes to intake (optional fields may be left out). */
export interface NewReportInput {
  channel: ReportChannel;
  urgency?: Urgency;
  reporter: { name?: string | null; email?: string | null; phone?: string | null; xHandle?: string | null; socialHandle?: string | null };
  subject: string;
  message: string;
  componentId?: string | null;
  incidentId?: string | null;
  channelMessageId?: string | null;
  idempotencyKey?: string | null;
  meta?: { userAgent?: string | null; clientHash?: string | null };
}
export type NewReport = z.infer<typeof NewReport>;

/** `POST /api/reports` answer (201 when created, 200 when an idempotent replay). */
export interface ReportCreatedBody {
  /** Problems we already know about (unresolved incidents), first: a report can name one. */
  known_incidents: KnownIncidentBody[];
  reference: string;
  /** The reporter's private view of the report (the secret token is in the link). */
  status_url: string | null;
  /** The known incident this report was linked to, when it named one. */
  incident: string | null;
}

export interface KnownIncidentBody {
  id: string;
  name: string;
  status: string;
  url: string;
}

export interface ReportMessageBody {
  author: MessageAuthor;
  author_name: string | null;
  body: string;
  created_at: string;
}

/** A report in the staff API answers. */
export interface AdminReportBody {
  reference: string;
  channel: ReportChannel;
  state: ReportState;
  urgency: Urgency;
  subject: string;
  reporter: { name: string | null; email: string | null; phone: string | null; x_handle: string | null; social_handle: string | null };
  component_id: string | null;
  incident_id: string | null;
  duplicate_of: string | null;
  created_at: string;
  acknowledged_at: string | null;
  resolved_at: string | null;
  messages: ReportMessageBody[];
  alert: unknown;
  deliveries: unknown[];
}

/** A follow-up from the reporter on their private page. */
export const FollowUp = z.object({ message });
/** A staff reply in a report's thread: normalised like a report, but "On it." is a fine reply. */
export const StaffReply = z.object({
  body: z
    .string("Write a reply.")
    .transform((v) => normalizeText(v, { multiline: true }))
    .pipe(z.string().min(1, "Write a reply.").max(reportLimits.message, `Keep the reply under ${reportLimits.message.toLocaleString("en")} characters.`)),
});
