// A report as the staff API shows it. `loadReportExtras` adds what the on-call fan-out knows:
// the alert the report was grouped into (with its timeline) and the deliveries that alert
// caused; { alert: null, deliveries: [] } before the report has been grouped.
import type { AdminReportBody } from "../../contract/reports";
import { alertDetails } from "../alerts/views";
import type { Report, ReportMessage } from "../reports/queries";

export interface ReportExtras {
  alert: unknown;
  deliveries: unknown[];
}

/** A report's alert with the alert's timeline, and the deliveries the alert caused. */
async function reportAlertExtras(db: D1Database, alertId: string): Promise<ReportExtras> {
  const details = await alertDetails(db, alertId);
  if (!details) return { alert: null, deliveries: [] };
  const { deliveries, ...alert } = details;
  return { alert, deliveries: deliveries ?? [] };
}

/**
 * The alert and deliveries of reports, by their alert_id. A list of reports often shares one
 * alert (a storm is grouped), so each alert is loaded once per call.
 */
export function reportExtrasLoader(db: D1Database): (report: Report) => Promise<ReportExtras> {
  const byAlert = new Map<string, Promise<ReportExtras>>();
  return (report) => {
    if (!report.alertId) return Promise.resolve({ alert: null, deliveries: [] });
    let extras = byAlert.get(report.alertId);
    if (!extras) {
      extras = reportAlertExtras(db, report.alertId);
      byAlert.set(report.alertId, extras);
    }
    return extras;
  };
}

export function loadReportExtras(db: D1Database, report: Report): Promise<ReportExtras> {
  return reportExtrasLoader(db)(report);
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
      social_handle: report.reporter.socialHandle,
    },
    component_id: report.componentId,
    incident_id: report.incidentId,
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
