// A report as the staff API shows it. `loadReportExtras` is the one place that adds what the
// on-call fan-out knows (the alert the report was grouped into, the deliveries it caused):
// until the fan-out exposes them it answers { alert: null, deliveries: [] }.
import type { AdminReportBody } from "../../contract/reports";
import { reportAlertExtras } from "../alerts/routes";
import type { Report, ReportMessage } from "./queries";

export interface ReportExtras {
  alert: unknown;
  deliveries: unknown[];
}

/** The alert and deliveries of one report (by its alert_id). Extended by the on-call fan-out. */
export async function loadReportExtras(db: D1Database, report: Report): Promise<ReportExtras> {
  return reportAlertExtras(db, report.alertId);
}

export function toAdminReportBody(report: Report, messages: ReportMessage[], extras: ReportExtras): AdminReportBody & { alert_id: string | null } {
  return {
    reference: report.reference,
    channel: report.channel,
    state: report.state,
    urgency: report.urgency,
    subject: report.subject,
    reporter: {
      name: report.reporter.name,
      email: report.reporter.email,
      phone: report.reporter.phone,
      x_handle: report.reporter.xHandle,
    },
    component_id: report.componentId,
    duplicate_of: report.duplicateOf,
    alert_id: report.alertId,
    created_at: report.createdAt,
    acknowledged_at: report.acknowledgedAt,
    resolved_at: report.resolvedAt,
    messages: messages.map((m) => ({ author: m.author, author_name: m.authorName, body: m.body, created_at: m.createdAt })),
    alert: extras.alert,
    deliveries: extras.deliveries,
  };
}
