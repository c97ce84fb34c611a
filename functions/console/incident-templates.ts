// Incident templates: a start for the words at 3 a.m. Edit this list to fit your services; the
// console offers each one on "Open an incident". `componentStatus` is what the components staff
// tick get (they choose which); `body` is the first update's text, with [brackets] to replace.
import type { ComponentStatus } from "../../contract/status";

export interface IncidentTemplate {
  id: string;
  /** What staff see in the list. */
  label: string;
  name: string;
  status: "investigating" | "identified" | "monitoring" | "resolved";
  impact: "none" | "minor" | "major" | "critical";
  componentStatus: ComponentStatus;
  body: string;
}

export const incidentTemplates: readonly IncidentTemplate[] = [
  {
    id: "outage",
    label: "Outage: a service is down",
    name: "[Service] unavailable",
    status: "investigating",
    impact: "major",
    componentStatus: "major_outage",
    body: "[Service] is unavailable for some or all customers since [time]. We are investigating and will post an update within 30 minutes.",
  },
  {
    id: "degraded",
    label: "Degraded: slow or partly failing",
    name: "Slow responses on [service]",
    status: "investigating",
    impact: "minor",
    componentStatus: "degraded_performance",
    body: "Some requests to [service] are slow or fail since [time]. We are looking into it and will post an update within 30 minutes.",
  },
  {
    id: "mail-delays",
    label: "Mail delayed",
    name: "Mail delivery delayed",
    status: "investigating",
    impact: "minor",
    componentStatus: "degraded_performance",
    body: "Incoming and outgoing mail is delayed since [time]. No mail is lost: it is queued and will be delivered. We will post an update within 30 minutes.",
  },
  {
    id: "identified",
    label: "Cause found, fix under way",
    name: "[Service] disrupted",
    status: "identified",
    impact: "major",
    componentStatus: "partial_outage",
    body: "We found the cause: [cause]. We are [fixing it] and expect [service] back by [time].",
  },
  {
    id: "blank",
    label: "Blank",
    name: "",
    status: "investigating",
    impact: "minor",
    componentStatus: "degraded_performance",
    body: "",
  },
];

export function findTemplate(id: string | null | undefined): IncidentTemplate | null {
  return incidentTemplates.find((t) => t.id === id) ?? null;
}
