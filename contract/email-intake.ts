// The inbound-email intake addresses: which addresses this Worker receives mail for, what each
// is for, how urgent its mail is and where it is forwarded first. Declared in wrangler.toml
// (`[[vars.EMAIL_INTAKE]]`), never in D1: forwarding must work when the database does not.
// Read by the email handler (functions/email) and checked by the doctor (functions/oncall).
import * as z from "zod";
import { Urgency } from "./reports";

/** `report`: customers' mail becomes urgent reports (urgent@, voicemail@, support@).
 * `status`: allow-listed staff post incident updates by mail (status@). */
export const IntakePurpose = z.enum(["report", "status"]);
export type IntakePurpose = z.infer<typeof IntakePurpose>;

const address = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email("Use an email address like urgent@status.example.com.").max(254));

export const EmailIntakeEntry = z
  .strictObject({
    "//": z.union([z.string(), z.array(z.string())]).optional(),
    address,
    purpose: IntakePurpose.default("report"),
    /** The urgency of reports from this address (routing rules can pick a policy by it). */
    urgency: Urgency.default("high"),
    /** A component id the reports are about (e.g. a voicemail line for one product). */
    component: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, "Use a component id as on the status page.")
      .optional(),
    /** Verified destinations each mail is forwarded to before anything else happens. */
    forward_to: z.array(address).max(10, "At most 10 forward destinations per address.").default([]),
    /** Answer each new report with its reference (RFC 3834 rules apply). */
    auto_reply: z.boolean().default(true),
    /** `status` only: who may post updates (their mail must also pass DMARC, DKIM or SPF). */
    staff: z.array(address).max(100).default([]),
  })
  .transform((e) => ({
    address: e.address,
    purpose: e.purpose,
    urgency: e.urgency,
    component: e.component ?? null,
    forwardTo: [...new Set(e.forward_to)],
    autoReply: e.auto_reply,
    staff: [...new Set(e.staff)],
  }));
export type EmailIntakeEntry = z.output<typeof EmailIntakeEntry>;

export const EmailIntakeConfig = z
  .array(EmailIntakeEntry)
  .max(50)
  .superRefine((entries, ctx) => {
    const seen = new Set<string>();
    entries.forEach((e, i) => {
      if (seen.has(e.address)) ctx.addIssue({ code: "custom", path: [i, "address"], message: `${e.address} is listed twice.` });
      seen.add(e.address);
    });
  });

export interface EmailIntake {
  entries: EmailIntakeEntry[];
  /** Why the setting could not be read (then `entries` is empty): the doctor fails on it. */
  error: string | null;
}

/** Reads EMAIL_INTAKE as wrangler gives it (an array of tables) or as a JSON string (from
 * `--var`, `.dev.vars` or a test). Never throws: a broken setting must not stop mail. */
export function readEmailIntake(value: unknown): EmailIntake {
  if (value === undefined || value === null || value === "") return { entries: [], error: null };
  let data = value;
  if (typeof value === "string") {
    try {
      data = JSON.parse(value);
    } catch {
      return { entries: [], error: "EMAIL_INTAKE is not JSON (nor a TOML array of tables)." };
    }
  }
  const parsed = EmailIntakeConfig.safeParse(data);
  if (parsed.success) return { entries: parsed.data, error: null };
  const issue = parsed.error.issues[0]!;
  const where = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
  return { entries: [], error: `EMAIL_INTAKE${where}: ${issue.message}` };
}
