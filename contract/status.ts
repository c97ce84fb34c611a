// Status vocabulary shared by the site and the Worker. The values are exactly those of
// Atlassian Statuspage's public API v2, so existing clients read us without changes.
import * as z from "zod";
import { normalizeText } from "./reports";

export const componentStatuses = [
  "operational",
  "degraded_performance",
  "partial_outage",
  "major_outage",
  "under_maintenance",
] as const;
export const ComponentStatus = z.enum(componentStatuses);
export type ComponentStatus = z.infer<typeof ComponentStatus>;

export const incidentStatuses = ["investigating", "identified", "monitoring", "resolved", "postmortem"] as const;
export const IncidentStatus = z.enum(incidentStatuses);
export type IncidentStatus = z.infer<typeof IncidentStatus>;

export const maintenanceStatuses = ["scheduled", "in_progress", "verifying", "completed"] as const;
export const MaintenanceStatus = z.enum(maintenanceStatuses);
export type MaintenanceStatus = z.infer<typeof MaintenanceStatus>;

export const impacts = ["none", "minor", "major", "critical", "maintenance"] as const;
export const Impact = z.enum(impacts);
export type Impact = z.infer<typeof Impact>;

/** The page-wide indicator of status.json: the same words as `impact`. */
export const Indicator = z.enum(["none", "minor", "major", "critical", "maintenance"]);
export type Indicator = z.infer<typeof Indicator>;

export const componentStatusLabel: Record<ComponentStatus, string> = {
  operational: "Operational",
  degraded_performance: "Degraded performance",
  partial_outage: "Partial outage",
  major_outage: "Major outage",
  under_maintenance: "Under maintenance",
};

export const impactLabel: Record<Impact, string> = {
  none: "No impact",
  minor: "Minor",
  major: "Major",
  critical: "Critical",
  maintenance: "Maintenance",
};

export const incidentStatusLabel: Record<IncidentStatus | MaintenanceStatus, string> = {
  investigating: "Investigating",
  identified: "Identified",
  monitoring: "Monitoring",
  resolved: "Resolved",
  postmortem: "Postmortem",
  scheduled: "Scheduled",
  in_progress: "In progress",
  verifying: "Verifying",
  completed: "Completed",
};

// Staff write API (POST/PATCH under /api/admin): the bodies of the HTTP contract.
const ComponentId = z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, "Use the component's id (letters, digits, _ and -).");

/**
 * Staff text goes onto the page, into both feeds and into the v2 API, so it is normalised as
 * report text is (NFC, control and bidi characters out), and what else XML 1.0 forbids is
 * dropped too: lone surrogates (a replacement character in a public title reads as a glitch)
 * and the non-characters U+FFFE and U+FFFF. One control character in an update made every
 * feed reader fail until the incident aged out.
 */
function staffText(value: string, multiline: boolean): string {
  return normalizeText(value.replace(/\p{Cs}|[\ufffe\uffff]/gu, ""), { multiline });
}
const Title = (empty: string) =>
  z
    .string()
    .transform((v) => staffText(v, false))
    .pipe(z.string().min(1, empty).max(200));
const Body = z
  .string()
  .transform((v) => staffText(v, true))
  .pipe(z.string().min(1, "Write what is happening.").max(10_000));
/** Which components an update changes, and to what: {"cmp_web": "major_outage"}. */
export const ComponentChanges = z
  .record(ComponentId, ComponentStatus)
  .refine((r) => Object.keys(r).length <= 100, "At most 100 components per update.");
const IsoTime = z.iso.datetime({ offset: true, message: "Use an ISO 8601 time, e.g. 2026-12-01T22:00:00Z." });
const PostmortemSlug = z.string().trim().regex(/^[a-z0-9][a-z0-9-]{0,99}$/, "Use the postmortem's slug (lower-case letters, digits and -).");

/**
 * Whether a write tells subscribers and posts to the social accounts (the console's two
 * checkboxes). Each is true unless set false: staff opt out, they never have to remember to
 * opt in. Absent, the writer takes both as true (functions/status/events.ts).
 */
export const NotifyChoice = z.strictObject({ subscribers: z.boolean().default(true), social: z.boolean().default(true) });
export type NotifyChoice = z.infer<typeof NotifyChoice>;

export const CreateIncidentInput = z.strictObject({
  name: Title("Give the incident a title."),
  status: z.enum(["investigating", "identified", "monitoring", "resolved"]).default("investigating"),
  impact: z.enum(["none", "minor", "major", "critical"]).default("minor"),
  body: Body,
  components: ComponentChanges.default({}),
  notify: NotifyChoice.optional(),
});
export type CreateIncidentInput = z.infer<typeof CreateIncidentInput>;

export const PostIncidentUpdateInput = z.strictObject({
  status: z.enum([...incidentStatuses, ...maintenanceStatuses]),
  body: Body,
  components: ComponentChanges.optional(),
  impact: z.enum(["none", "minor", "major", "critical"]).optional(),
  postmortem_slug: PostmortemSlug.nullable().optional(),
  notify: NotifyChoice.optional(),
});
export type PostIncidentUpdateInput = z.infer<typeof PostIncidentUpdateInput>;

export const PatchComponentInput = z.strictObject({ status: ComponentStatus, notify: NotifyChoice.optional() });

export const CreateMaintenanceInput = z
  .strictObject({
    name: Title("Give the maintenance a title."),
    body: Body,
    scheduled_for: IsoTime,
    scheduled_until: IsoTime,
    /** Component ids (put under maintenance during the window); a {id: status} map is accepted too. */
    components: z.union([z.array(ComponentId).max(100), ComponentChanges]).default([]),
    notify: NotifyChoice.optional(),
  })
  .refine((m) => Date.parse(m.scheduled_until) > Date.parse(m.scheduled_for), {
    path: ["scheduled_until"],
    message: "The window must end after it starts.",
  });
export type CreateMaintenanceInput = z.infer<typeof CreateMaintenanceInput>;
