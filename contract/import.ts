// The import document: what `npm run hub -- import ...` reads from another status page
// (Statuspage's public v2 API, a cState site's content folder) and sends to
// POST /api/admin/import. Ids are the source's own; the Worker keeps a mapping to ours, so the
// same document imported twice changes nothing. Times are kept as the source gave them (in UTC).
import * as z from "zod";
import { ComponentStatus, Impact, IncidentStatus, MaintenanceStatus } from "./status";
import { normalizeText } from "./reports";

export const importLimits = {
  groups: 200,
  components: 500,
  /** Incidents and maintenances per call; the CLI sends a longer history in several calls. */
  incidents: 500,
  updatesPerIncident: 200,
  /** Bytes of one POST /api/admin/import body. */
  bodyBytes: 4 * 1024 * 1024,
} as const;

/** Source ids: Statuspage's 12-character ids, cState's file names and slugs. */
const SourceId = z.string().trim().min(1).max(200);
/** Any ISO 8601 time with a zone, kept as the same instant in UTC. */
const Time = z.iso.datetime({ offset: true, message: "Use an ISO 8601 time with a zone." }).transform((v) => new Date(v).toISOString());
const Text = (max: number) => z.string().transform((v) => normalizeText(v.replace(/\p{Cs}|[\ufffe\uffff]/gu, ""))).pipe(z.string().min(1).max(max));
const LongText = (max: number) =>
  z
    .string()
    .transform((v) => normalizeText(v.replace(/\p{Cs}|[\ufffe\uffff]/gu, ""), { multiline: true }))
    .pipe(z.string().max(max));

export const ImportGroup = z.strictObject({
  id: SourceId,
  name: Text(200),
  description: LongText(2000).nullable().default(null),
  position: z.number().int().min(0).max(100_000).default(0),
  created_at: Time.nullable().default(null),
});

export const ImportComponent = z.strictObject({
  id: SourceId,
  name: Text(200),
  description: LongText(2000).nullable().default(null),
  status: ComponentStatus.default("operational"),
  position: z.number().int().min(0).max(100_000).default(0),
  group_id: SourceId.nullable().default(null),
  showcase: z.boolean().default(true),
  only_show_if_degraded: z.boolean().default(false),
  start_date: z.iso.date().nullable().default(null),
  created_at: Time.nullable().default(null),
});

export const ImportUpdate = z.strictObject({
  id: SourceId,
  status: z.enum([...IncidentStatus.options, ...MaintenanceStatus.options]),
  body: LongText(10_000),
  created_at: Time,
  display_at: Time.nullable().default(null),
  /** What the update did to components (Statuspage's affected_components). */
  affected: z
    .array(z.strictObject({ component_id: SourceId, old_status: ComponentStatus, new_status: ComponentStatus }))
    .max(100)
    .default([]),
});

export const ImportIncident = z.strictObject({
  id: SourceId,
  kind: z.enum(["incident", "maintenance"]),
  name: Text(200),
  status: z.enum([...IncidentStatus.options, ...MaintenanceStatus.options]),
  impact: Impact,
  created_at: Time,
  updated_at: Time.nullable().default(null),
  started_at: Time.nullable().default(null),
  monitoring_at: Time.nullable().default(null),
  resolved_at: Time.nullable().default(null),
  scheduled_for: Time.nullable().default(null),
  scheduled_until: Time.nullable().default(null),
  /** Source ids of the components it affected. */
  components: z.array(SourceId).max(100).default([]),
  updates: z.array(ImportUpdate).min(1, "An incident needs at least one update.").max(importLimits.updatesPerIncident),
});

export const ImportDocument = z
  .strictObject({
    /** Names the source, e.g. "statuspage:status.example.com": source ids are unique within it. */
    source: z.string().trim().min(3).max(200).regex(/^[a-z][a-z0-9-]*:[^\s]+$/, 'Name the source as "kind:name", e.g. statuspage:status.example.com.'),
    groups: z.array(ImportGroup).max(importLimits.groups).default([]),
    components: z.array(ImportComponent).max(importLimits.components).default([]),
    incidents: z.array(ImportIncident).max(importLimits.incidents).default([]),
  })
  .superRefine((doc, ctx) => {
    for (const [i, inc] of doc.incidents.entries()) {
      const allowed: readonly string[] = inc.kind === "maintenance" ? MaintenanceStatus.options : IncidentStatus.options;
      if (!allowed.includes(inc.status)) ctx.addIssue({ code: "custom", path: ["incidents", i, "status"], message: `A ${inc.kind} takes one of: ${allowed.join(", ")}.` });
      if (inc.kind === "maintenance" && (!inc.scheduled_for || !inc.scheduled_until)) {
        ctx.addIssue({ code: "custom", path: ["incidents", i, "scheduled_for"], message: "A maintenance needs scheduled_for and scheduled_until." });
      }
    }
  });
export type ImportDocument = z.infer<typeof ImportDocument>;
export type ImportDocumentInput = z.input<typeof ImportDocument>;
export type ImportIncident = z.infer<typeof ImportIncident>;
