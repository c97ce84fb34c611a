// The hotline's one spoken sentence of live status. A caller in an outage wants to know first
// whether we know: "Our status page reports a major outage of Mail; we are working on it." It
// is read by a speech engine, so it names at most a few services and never reads a list out.
import type { ComponentStatus, Impact, Indicator } from "../../contract/status";

/** What the sentence is made from: the status page's current state, reduced to names. */
export interface StatusSnapshot {
  /** The page-wide indicator, as status.json has it. */
  indicator: Indicator;
  components: ReadonlyArray<{ name: string; status: ComponentStatus }>;
  /** Unresolved incidents (not maintenance), newest first. */
  incidents: ReadonlyArray<{ name: string; impact: Impact }>;
  /** Maintenance in progress or verifying. */
  maintenance: ReadonlyArray<{ name: string }>;
}

/** Services named per kind of trouble before "and N other services". */
export const MAX_NAMED = 3;

/** "Mail", "Mail and DNS", "Mail, DNS and Web hosting", "Mail, DNS, Web and 2 other services". */
export function spokenList(names: readonly string[], max = MAX_NAMED): string {
  const clean = names.map((n) => n.replace(/\s+/g, " ").trim()).filter(Boolean);
  if (clean.length <= max) {
    if (clean.length <= 1) return clean[0] ?? "";
    return `${clean.slice(0, -1).join(", ")} and ${clean.at(-1)}`;
  }
  const rest = clean.length - max;
  return `${clean.slice(0, max).join(", ")} and ${rest} other service${rest === 1 ? "" : "s"}`;
}

const troubleWords: Array<[ComponentStatus, string]> = [
  ["major_outage", "a major outage of"],
  ["partial_outage", "a partial outage of"],
  ["degraded_performance", "degraded performance of"],
];

/** The sentence for `status`; null (storage unreadable) says so instead of guessing. */
export function spokenStatus(status: StatusSnapshot | null): string {
  if (!status) return "We cannot read our status page at this moment, so we do not know yet whether this is a known problem.";
  const { components } = status;
  const allDown = components.length > 1 && components.every((c) => c.status === "major_outage");
  const parts = allDown
    ? ["a major outage of all our services"]
    : troubleWords.flatMap(([kind, words]) => {
        const names = components.filter((c) => c.status === kind).map((c) => c.name);
        return names.length > 0 ? [`${words} ${spokenList(names)}`] : [];
      });
  if (parts.length > 0) return `Our status page reports ${joinParts(parts)}; we are working on it.`;
  if (status.incidents.length > 0) {
    const [first, ...more] = status.incidents;
    const others = more.length > 0 ? `, and ${more.length} other incident${more.length === 1 ? "" : "s"}` : "";
    return `Our status page reports an incident: ${first!.name.trim()}${others}; we are working on it.`;
  }
  if (status.indicator === "maintenance" || status.maintenance.length > 0 || components.some((c) => c.status === "under_maintenance")) {
    const names = status.maintenance.length > 0 ? status.maintenance.map((m) => m.name) : components.filter((c) => c.status === "under_maintenance").map((c) => c.name);
    return `Planned maintenance is in progress: ${spokenList(names)}. Everything else is operational.`;
  }
  return "All systems are operational.";
}

function joinParts(parts: string[]): string {
  if (parts.length === 1) return parts[0]!;
  return `${parts.slice(0, -1).join(", ")}, and ${parts.at(-1)}`;
}
