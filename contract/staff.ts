import * as z from "zod";

/**
 * What a staff API token may do. `admin` implies every other scope, and sees secrets in full
 * (on-call contact details are masked for everyone else). A write scope implies its read scope.
 */
export const staffScopes = ["admin", "status:write", "reports:read", "reports:write", "oncall:read", "oncall:write", "monitors:read", "monitors:write"] as const;
export const StaffScope = z.enum(staffScopes);
export type StaffScope = z.infer<typeof StaffScope>;

/** Scopes a scope includes besides itself. */
const includes: Partial<Record<StaffScope, readonly StaffScope[]>> = {
  "oncall:write": ["oncall:read"],
  "monitors:write": ["monitors:read"],
};

/** True when a token holding `held` may do what `needed` allows. */
export function hasScope(held: readonly StaffScope[], needed: StaffScope): boolean {
  return held.includes("admin") || held.some((s) => s === needed || (includes[s] ?? []).includes(needed));
}
