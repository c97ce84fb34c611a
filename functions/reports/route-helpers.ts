// What the public report routes (form, JSON API, reporter's view) share: body limits, form
// parsing, the mapping of a submission into the intake's input, and the reporter's access to
// their own report by reference plus private token.
import type { NewReportInput, ReportSubmission } from "../../contract/reports";
import { constantTimeEqual } from "../platform/crypto";
import { ApiError } from "../platform/errors";
import { findReportByReference, listKnownIncidents, type Report } from "./queries";
import { hashViewToken, parseReference } from "./reference";

/**
 * Form and API bodies: refused (413) before parsing above this. The largest valid report is
 * about 10,700 characters; URL-encoded CJK text takes 9 bytes a character, so 128 KB lets
 * every valid report through and stops anything much bigger.
 */
export const MAX_REPORT_BODY_BYTES = 128 * 1024;

export const FORM_TYPE = "application/x-www-form-urlencoded";
export const VIEW_TOKEN = /^[A-Za-z0-9_-]{16,128}$/;

/** Reads the first value of each form field (a repeated field cannot smuggle a second one). */
export function formValues(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of params) if (!(k in out)) out[k] = v;
  return out;
}

/** The form and the JSON API take the same fields: one mapping into the intake's input. */
export function submissionInput(
  channel: "web" | "api",
  s: ReportSubmission,
  req: Request,
  clientHash: string | null,
  ids: { channelMessageId: string | null; idempotencyKey: string | null },
): NewReportInput {
  return {
    channel,
    urgency: s.urgency,
    reporter: { name: s.name || null, email: s.email, phone: s.phone, xHandle: null },
    subject: s.subject,
    message: s.message,
    componentId: s.component,
    incidentId: s.incident,
    ...ids,
    meta: { userAgent: req.headers.get("user-agent"), clientHash },
  };
}

export function viewPath(reference: string, token: string): string {
  return `/r/${encodeURIComponent(reference)}?k=${encodeURIComponent(token)}`;
}

/** Finds a report by reference and private token; a wrong token is the same 404 as no report. */
export async function reportForReporter(db: D1Database, rawReference: string, token: string | undefined): Promise<Report> {
  const reference = parseReference(rawReference);
  const notFound = new ApiError("not_found", "There is no report at this address. Check the link in your confirmation mail.");
  if (!reference || !token || !VIEW_TOKEN.test(token)) throw notFound;
  let report: Report | null;
  try {
    report = await findReportByReference(db, reference);
  } catch (err) {
    console.error("reporter view: D1 unavailable", err);
    throw new ApiError("unavailable", "Your report cannot be shown right now. Please try again in a few minutes, or contact us directly.");
  }
  if (!report || !(await constantTimeEqual(await hashViewToken(token), report.viewTokenHash))) throw notFound;
  return report;
}

/** Problems we already announced, for the top of the form (none when D1 is unavailable). */
export async function knownIncidents(db: D1Database): Promise<Array<{ id: string; name: string; status: string }>> {
  try {
    return await listKnownIncidents(db);
  } catch (err) {
    console.error("report form: known incidents unavailable", err);
    return [];
  }
}
