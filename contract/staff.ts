import * as z from "zod";

/**
 * What a staff API token or a console session may do. `admin` implies every other scope, and
 * sees secrets in full (on-call contact details are masked for everyone else). A scope may include
 * others (`includes`): a write scope includes its read scope, and `oncall:write` (replace the
 * configuration) includes `oncall:override` ("I take over now"), which an on-call responder
 * needs at 3 a.m. without being able to rewrite who is paged.
 */
export const staffScopes = ["admin", "status:write", "reports:read", "reports:write", "oncall:read", "oncall:override", "oncall:write", "monitors:read", "monitors:write"] as const;
export const StaffScope = z.enum(staffScopes);
export type StaffScope = z.infer<typeof StaffScope>;

/** Scopes a scope includes besides itself. */
const includes: Partial<Record<StaffScope, readonly StaffScope[]>> = {
  "oncall:write": ["oncall:override", "oncall:read"],
  "oncall:override": ["oncall:read"],
  "monitors:write": ["monitors:read"],
  "reports:write": ["reports:read"],
};

/** True when someone holding `held` may do what `needed` allows. */
export function hasScope(held: readonly StaffScope[], needed: StaffScope): boolean {
  return held.includes("admin") || held.some((s) => s === needed || (includes[s] ?? []).includes(needed));
}

/**
 * Console roles, each a set of scopes, so the console and the staff API share one
 * authorisation (`requireScope`). Each role includes the one before it: a publisher also
 * answers reports, an admin does everything.
 */
export const staffRoles = ["responder", "publisher", "admin"] as const;
export const StaffRole = z.enum(staffRoles);
export type StaffRole = z.infer<typeof StaffRole>;

export const roleScopes: Record<StaffRole, readonly StaffScope[]> = {
  /** Reports, acknowledgements, replies, and taking over an on-call shift. */
  responder: ["reports:read", "reports:write", "oncall:override", "monitors:read"],
  /** The responder's, plus incidents, maintenance and component status. */
  publisher: ["reports:read", "reports:write", "oncall:override", "monitors:read", "status:write"],
  /** People, tokens and configuration: everything. */
  admin: ["admin"],
};

export const roleLabel: Record<StaffRole, string> = {
  responder: "Responder: reports, acknowledgements, replies, on-call take-overs",
  publisher: "Publisher: a responder who also posts status (incidents, maintenance, components)",
  admin: "Admin: people, tokens and configuration, and everything else",
};

/** A staff member's display name: shown to reporters under their replies, and in the audit log. */
export const DisplayName = z
  .string()
  .transform((v) => v.normalize("NFC").replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, "").replace(/\s+/g, " ").trim())
  .pipe(z.string().min(2, "Give a name of at least 2 characters.").max(80, "Keep the name under 80 characters."));

export const StaffEmail = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email("Enter an email address like name@example.com.").max(254, "That email address is too long."));

/** An invitation: who, their role, and optionally the email Cloudflare Access knows them by. */
export const StaffInviteInput = z.strictObject({
  name: DisplayName,
  email: z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? null : v), StaffEmail.nullable()).default(null),
  role: StaffRole,
});
export type StaffInviteInput = z.infer<typeof StaffInviteInput>;
