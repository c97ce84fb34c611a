// The on-call configuration document (people, rotations, escalation policies, routing) and
// the seam between it and fan-out: configuration produces an EscalationPlan; fan-out walks it.
// Used by the Worker, the tests and the Node CLI (scripts/oncall.mjs imports this file as
// TypeScript: erasable syntax only, here and in everything it imports).
import * as z from "zod";
import { ReportChannel, Urgency } from "../../contract/reports";
import { TimeZone } from "../../contract/time";
import { channelList, type ContactMethod as AnyContactMethod, type ContactMethodInput } from "../channels/registry";

export { channelTypes, type ChannelType } from "../channels/registry";
export { TimeZone };

const id = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "Use lowercase letters, digits, - and _ (max 64).");

/**
 * One way to reach a person: each channel's own fields (functions/channels/<name>/channel.ts)
 * under its `type`, with an optional `id`. Secrets shared by a whole deployment (Twilio
 * credentials, bot tokens) are Worker secrets, never part of this document.
 */
export const ContactMethod = z.discriminatedUnion(
  "type",
  channelList.map((c) => z.object({ type: z.literal(c.type), id: id.optional(), ...c.contactFields })) as unknown as [z.ZodObject, ...z.ZodObject[]],
) as unknown as z.ZodType<AnyContactMethod, ContactMethodInput>;
export type ContactMethod = AnyContactMethod;

/** A person to page, with their contact methods in the order they asked for. */
export interface PageTarget {
  personId: string;
  name: string;
  timezone: string;
  contactMethods: ContactMethod[];
}

/** Who to page, level by level, for one alert. Computed at alert time from the configuration. */
export interface EscalationPlan {
  policyId: string;
  levels: Array<{ timeoutMinutes: number; targets: PageTarget[] }>;
  /** How many times the whole policy runs again after its last level times out (0 = once). */
  repeat: number;
}

// ---------------------------------------------------------------------------------------------
// The on-call configuration document: people, rotations, escalation policies and routing.
// Pushed with `npm run oncall -- push oncall.json`, stored whole and versioned in D1
// (migrations/0004_oncall.sql). Every object accepts a "//" key for comments, and refuses any
// other unknown key, so a typo ("timout") is an error rather than a silently ignored field.

const comment = z.union([z.string(), z.array(z.string())]).optional();


export const weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;
export const Weekday = z.enum(weekdays);
export type Weekday = z.infer<typeof Weekday>;

/** A wall-clock time of day, 24-hour "HH:mm". */
export const WallTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Use a 24-hour time "HH:mm", e.g. "09:00".');

/** A calendar date "YYYY-MM-DD" (in the rotation's timezone). */
export const LocalDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Use a date "YYYY-MM-DD".')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
  }, "That date does not exist.");

const LOCAL_DATETIME = /^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d$/;
const ABSOLUTE_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
/** A moment: either wall-clock "YYYY-MM-DDTHH:mm" in the rotation's timezone, or an absolute
 * ISO 8601 time with "Z" or an offset ("2026-11-28T22:00:00Z"). */
export const When = z
  .string()
  .refine((s) => LOCAL_DATETIME.test(s) || (ABSOLUTE_DATETIME.test(s) && !Number.isNaN(Date.parse(s))), {
    message: 'Use "YYYY-MM-DDTHH:mm" (wall clock in the rotation\'s timezone) or an ISO time with Z or an offset.',
  });
export function isLocalWhen(s: string): boolean {
  return LOCAL_DATETIME.test(s);
}

export const Person = z.strictObject({
  "//": comment,
  id,
  name: z.string().trim().min(1).max(100),
  /** Where the person lives: used to show shifts in their own time. */
  timezone: TimeZone,
  /** Paged all at once when their level is paged; the order is the order they asked for
   * (the next one is tried at once when a delivery fails for good). */
  contactMethods: z.array(ContactMethod).min(1, "A person needs at least one contact method.").max(10),
});
export type Person = z.infer<typeof Person>;

/** When a rotation passes to its next member. All hand-offs are wall-clock times in the
 * rotation's timezone, so "09:00" stays 09:00 across daylight-saving changes. */
export const Handoff = z.discriminatedUnion("every", [
  z.strictObject({ "//": comment, every: z.literal("day"), at: WallTime }),
  z.strictObject({ "//": comment, every: z.literal("week"), day: Weekday, at: WallTime }),
  z.strictObject({
    "//": comment,
    every: z.literal("custom"),
    /** Hand-off points in a week; a point without `day` happens every day (e.g. 08:00 and 20:00
     * for 12-hour shifts). Each point passes on-call to the next member. */
    at: z
      .array(z.strictObject({ day: Weekday.optional(), time: WallTime }))
      .min(1)
      .max(50),
  }),
]);
export type Handoff = z.infer<typeof Handoff>;

/** "I take tonight": someone else covers part of a rotation. Later overrides win over earlier ones. */
export const Override = z
  .strictObject({
    "//": comment,
    person: id,
    start: When,
    end: When,
    note: z.string().max(200).optional(),
  })
  .superRefine((o, ctx) => {
    if (isLocalWhen(o.start) !== isLocalWhen(o.end)) {
      ctx.addIssue({ code: "custom", path: ["end"], message: "Write start and end in the same form (both wall clock or both absolute)." });
    } else if (isLocalWhen(o.start) ? o.end <= o.start : Date.parse(o.end) <= Date.parse(o.start)) {
      ctx.addIssue({ code: "custom", path: ["end"], message: "An override must end after it starts." });
    }
  });
export type Override = z.infer<typeof Override>;

export const Rotation = z.strictObject({
  "//": comment,
  id,
  name: z.string().trim().min(1).max(100).optional(),
  /** The timezone of the hand-off times, start and end dates and wall-clock overrides. */
  timezone: TimeZone,
  /** Person ids in turn order; a person may appear more than once. */
  members: z.array(id).min(1, "A rotation needs at least one member.").max(100),
  handoff: Handoff,
  /** The first member takes over at the first hand-off on or after this date. */
  start: LocalDate,
  /** Optional: nobody is on call from the first hand-off on or after this date. */
  end: LocalDate.optional(),
  overrides: z.array(Override).max(500).default([]),
});
export type Rotation = z.infer<typeof Rotation>;

/** Who one escalation level pages: everyone on call in a rotation, or one person. */
export const LevelTarget = z.union([z.strictObject({ rotation: id }), z.strictObject({ person: id })]);
export type LevelTarget = z.infer<typeof LevelTarget>;

export const EscalationLevel = z.strictObject({
  "//": comment,
  /** Minutes to wait for an acknowledgement before the next level is paged. */
  timeoutMinutes: z.number().int().min(1).max(1440),
  targets: z.array(LevelTarget).min(1).max(20),
});

export const EscalationPolicy = z.strictObject({
  "//": comment,
  id,
  name: z.string().trim().min(1).max(100).optional(),
  levels: z.array(EscalationLevel).min(1).max(10),
  /** How many more times the whole policy runs after the last level times out (0 = once). */
  repeat: z.number().int().min(0).max(10).default(0),
});
export type EscalationPolicy = z.infer<typeof EscalationPolicy>;

/** Where an alert came from: a report's intake channel, a monitor or heartbeat of the
 * company's servers (functions/monitors), or assurance (drift, the weekly test page). Routing
 * rules can tell them apart. */
export const RouteChannel = z.enum([...ReportChannel.options, "monitor", "heartbeat", "assurance"]);
export type RouteChannel = z.infer<typeof RouteChannel>;

/** A rule matches when every condition it states matches; an absent condition matches all. */
export const RoutingRule = z.strictObject({
  "//": comment,
  channels: z.array(RouteChannel).min(1).optional(),
  urgencies: z.array(Urgency).min(1).optional(),
  /** Component ids (as on the status page); a report without a component never matches this. */
  components: z.array(z.string().min(1).max(64)).min(1).optional(),
  policy: id,
});
export type RoutingRule = z.infer<typeof RoutingRule>;

export const Routing = z.strictObject({
  "//": comment,
  /** Tried in order; the first that matches picks the policy. */
  rules: z.array(RoutingRule).max(200).default([]),
  /** The policy for every report no rule matches: nothing is ever routed nowhere. */
  defaultPolicy: id,
});

export const OncallConfig = z
  .strictObject({
    $schema: z.string().optional(),
    "//": comment,
    version: z.literal(1),
    people: z.array(Person).min(1).max(500),
    rotations: z.array(Rotation).max(100).default([]),
    policies: z.array(EscalationPolicy).min(1).max(100),
    routing: Routing,
  })
  .superRefine((cfg, ctx) => {
    const unique = (kind: "people" | "rotations" | "policies") => {
      const seen = new Set<string>();
      cfg[kind].forEach((item, i) => {
        if (seen.has(item.id)) ctx.addIssue({ code: "custom", path: [kind, i, "id"], message: `Duplicate id "${item.id}".` });
        seen.add(item.id);
      });
      return seen;
    };
    const people = unique("people");
    const rotations = unique("rotations");
    const policies = unique("policies");
    const need = (set: Set<string>, value: string, what: string, path: (string | number)[]) => {
      if (!set.has(value)) ctx.addIssue({ code: "custom", path, message: `No ${what} has the id "${value}".` });
    };
    cfg.rotations.forEach((r, ri) => {
      r.members.forEach((m, mi) => need(people, m, "person", ["rotations", ri, "members", mi]));
      r.overrides.forEach((o, oi) => need(people, o.person, "person", ["rotations", ri, "overrides", oi, "person"]));
      if (r.end !== undefined && r.end <= r.start) ctx.addIssue({ code: "custom", path: ["rotations", ri, "end"], message: "The end date must be after the start date." });
    });
    cfg.policies.forEach((p, pi) =>
      p.levels.forEach((l, li) =>
        l.targets.forEach((t, ti) => {
          const path = ["policies", pi, "levels", li, "targets", ti];
          if ("rotation" in t) need(rotations, t.rotation, "rotation", [...path, "rotation"]);
          else need(people, t.person, "person", [...path, "person"]);
        }),
      ),
    );
    cfg.routing.rules.forEach((r, ri) => need(policies, r.policy, "policy", ["routing", "rules", ri, "policy"]));
    need(policies, cfg.routing.defaultPolicy, "policy", ["routing", "defaultPolicy"]);
  });
export type OncallConfig = z.infer<typeof OncallConfig>;
/** What a file holds before defaults are filled in. */
export type OncallConfigInput = z.input<typeof OncallConfig>;

/**
 * The document's JSON Schema, for editors (`npm run oncall -- schema oncall.schema.json`).
 * Cross-references and date logic are checked only by OncallConfig itself.
 */
export function oncallJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(OncallConfig, { io: "input", unrepresentable: "any" }),
    title: "On-call configuration (outofband)",
  };
}
