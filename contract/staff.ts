import * as z from "zod";

/** What a staff API token may do. `admin` implies every other scope. */
export const staffScopes = ["admin", "status:write", "reports:read", "reports:write", "oncall:write", "monitors:write"] as const;
export const StaffScope = z.enum(staffScopes);
export type StaffScope = z.infer<typeof StaffScope>;
