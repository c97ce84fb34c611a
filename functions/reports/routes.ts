// Report intake and reports for staff. The web form, the JSON API and the reporter's view are
// adapters that turn HTTP into a NewReport and call the one intake function (intake.ts).
import { Hono, type Context } from "hono";
import { z } from "zod";
import { FollowUp, type NewReportInput, ReportChannel, ReportState, ReportSubmission, StaffReply } from "../../contract/reports";
import { siteConfig } from "../../site.config";
import { parseWith, readBodyText, readJson, requireContentType } from "../platform/body";
import { constantTimeEqual } from "../platform/crypto";
import { ApiError } from "../platform/errors";
import type { AppEnv } from "../platform/types";
import { waitUntilOf } from "../platform/wait-until";
import { auditStatement } from "../staff/audit";
import { requireScope } from "../staff/auth";
import {
  clientAddress,
  clientHashOf,
  enforceOrigin,
  enforceRateLimit,
  protections,
  turnstileEnabled,
  turnstileMessage,
  verifyTurnstile,
} from "./abuse";
import { intakeReport, IntakeUnavailableError, textHashOf } from "./intake";
import { sendMail } from "./mail";
import { rateLimitedAlert, renderReceived, renderReportForm, renderReporterView, unavailableAlert, type FormField, type ReportFormState } from "./pages";
import {
  acknowledgeReportStatement,
  findReportByReference,
  insertMessageStatement,
  listMessages,
  listMessagesOf,
  listReports,
  resolveReportStatement,
  type Report,
} from "./queries";
import { hashViewToken, parseReference, privateViewUrl, viewTokenFor } from "./reference";
import { loadReportExtras, reportExtrasLoader, toAdminReportBody } from "./staff-view";
import { acknowledgeAlert, resolveAlert } from "../alerts/lifecycle";

/**
 * Form and API bodies: refused (413) before parsing above this. The largest valid report is
 * about 10,700 characters; URL-encoded CJK text takes 9 bytes a character, so 128 KB lets
 * every valid report through and stops anything much bigger.
 */
export const MAX_REPORT_BODY_BYTES = 128 * 1024;

const FORM_TYPE = "application/x-www-form-urlencoded";
const FORM_ID = /^[0-9a-f-]{36}$/;
const VIEW_TOKEN = /^[A-Za-z0-9_-]{16,128}$/;

type Ctx = Context<AppEnv>;

async function componentChoices(env: Env): Promise<Array<{ id: string; name: string }>> {
  try {
    const { results } = await env.DB.prepare("SELECT id, name FROM components ORDER BY position, name").all<{ id: string; name: string }>();
    return results;
  } catch (err) {
    // The form must work even when D1 does not: without the component list.
    console.error("report form: components unavailable", err);
    return [];
  }
}

function turnstileSiteKey(env: Env): string | undefined {
  return turnstileEnabled(env) && env.TURNSTILE_SITE_KEY ? env.TURNSTILE_SITE_KEY : undefined;
}

/** Reads the first value of each form field (a repeated field cannot smuggle a second one). */
function formValues(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of params) if (!(k in out)) out[k] = v;
  return out;
}

function fieldsOf(err: unknown): Record<string, string> | null {
  return err instanceof ApiError && err.code === "validation_failed" ? (err.options.fields ?? { _: err.message }) : null;
}

/** Finds a report by reference and private token; a wrong token is the same 404 as no report. */
async function reportForReporter(env: Env, rawReference: string, token: string | undefined): Promise<Report> {
  const reference = parseReference(rawReference);
  const notFound = new ApiError("not_found", "There is no report at this address. Check the link in your confirmation mail.");
  if (!reference || !token || !VIEW_TOKEN.test(token)) throw notFound;
  let report: Report | null;
  try {
    report = await findReportByReference(env.DB, reference);
  } catch (err) {
    console.error("reporter view: D1 unavailable", err);
    throw new ApiError("unavailable", "Your report cannot be shown right now. Please try again in a few minutes, or contact us directly.");
  }
  if (!report || !(await constantTimeEqual(await hashViewToken(token), report.viewTokenHash))) throw notFound;
  return report;
}

function viewPath(reference: string, token: string): string {
  return `/r/${encodeURIComponent(reference)}?k=${encodeURIComponent(token)}`;
}

const ListQuery = z.object({
  channel: ReportChannel.optional(),
  state: ReportState.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  before: z.iso.datetime().optional(),
  /** Opaque paging cursor: `next_cursor` of the previous page. */
  cursor: z
    .string()
    .regex(/^[0-9TZ:.-]{20,30}~[0-9a-f-]{36}$/, "Use the next_cursor of the previous page.")
    .transform((v) => {
      const [createdAt, id] = v.split("~") as [string, string];
      return { createdAt, id };
    })
    .optional(),
});

/** The form and the JSON API take the same fields: one mapping into the intake's input. */
function submissionInput(
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
    ...ids,
    meta: { userAgent: req.headers.get("user-agent"), clientHash },
  };
}

async function staffReport(c: Ctx): Promise<Report> {
  const reference = parseReference(c.req.param("reference") ?? "");
  const report = reference ? await findReportByReference(c.env.DB, reference) : null;
  if (!report) throw new ApiError("not_found", "There is no report with that reference.");
  return report;
}

async function staffReportBody(db: D1Database, report: Report) {
  const [messages, extras] = await Promise.all([listMessages(db, report.id), loadReportExtras(db, report)]);
  return toAdminReportBody(report, messages, extras);
}

/**
 * Staff acknowledge or resolve a report: the report's own state, a line in its thread and the
 * audit row in one batch; then its alert (which stops escalation and tells the alert's other
 * reports). Repeating it changes nothing.
 */
async function closeReportByStaff(c: Ctx, to: "acknowledge" | "resolve") {
  const report = await staffReport(c);
  const staff = c.get("staff");
  const now = new Date();
  const iso = now.toISOString();
  const pending = to === "acknowledge" ? report.state === "new" : report.state !== "resolved";
  if (pending) {
    await c.env.DB.batch([
      to === "acknowledge" ? acknowledgeReportStatement(c.env.DB, report.id, staff.name, iso) : resolveReportStatement(c.env.DB, report.id, iso),
      insertMessageStatement(c.env.DB, {
        reportId: report.id,
        author: "system",
        authorName: null,
        body: to === "acknowledge" ? "Acknowledged: a person is working on it." : "Resolved.",
        createdAt: iso,
      }),
      auditStatement(c.env.DB, { actor: staff.name, action: to === "acknowledge" ? "report.ack" : "report.resolve", target: report.reference, now }),
    ]);
  }
  // The on-call fan-out: closing a report closes its alert, which stops escalation.
  if (report.alertId) {
    const by = { actor: staff.name, via: "staff api" };
    await (to === "acknowledge" ? acknowledgeAlert(c.env, report.alertId, by, now) : resolveAlert(c.env, report.alertId, by, now));
  }
  const fresh = (await findReportByReference(c.env.DB, report.reference))!;
  c.header("Cache-Control", "no-store");
  return c.json(await staffReportBody(c.env.DB, fresh));
}

export const reportRoutes = new Hono<AppEnv>()
  // ---- the web form ---------------------------------------------------------------------
  .get("/report", async (c) => {
    return renderReportForm(c.env, c.req.url, {
      values: {},
      errors: {},
      formId: crypto.randomUUID(),
      components: await componentChoices(c.env),
      turnstileSiteKey: turnstileSiteKey(c.env),
    });
  })
  .post("/report", async (c) => {
    const env = c.env;
    const req = c.req.raw;
    enforceOrigin(env, req);
    requireContentType(req, FORM_TYPE);
    const values = formValues(new URLSearchParams(await readBodyText(req, MAX_REPORT_BODY_BYTES)));
    const formId = FORM_ID.test(values.form_id ?? "") ? values.form_id! : crypto.randomUUID();
    const kept: ReportFormState["values"] = {};
    for (const f of ["name", "email", "phone", "subject", "message", "component", "urgency"] as FormField[]) {
      if (values[f] !== undefined) kept[f] = values[f].slice(0, 20_000);
    }
    const again = async (errors: Record<string, string>, status: number, alert?: ReportFormState["alert"]) =>
      renderReportForm(
        env,
        c.req.url,
        { values: kept, errors, formId, components: await componentChoices(env), alert, turnstileSiteKey: turnstileSiteKey(env) },
        status,
      );

    if (protections(env).has("honeypot") && (values.website ?? "") !== "") {
      return again({ website: "This field must stay empty. If you filled it in by mistake, clear it and send again." }, 400);
    }
    const parsed = ReportSubmission.safeParse(values);
    if (!parsed.success) {
      const errors: Record<string, string> = {};
      for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? "_")] ??= issue.message;
      return again(errors, 400);
    }
    const clientHash = await clientHashOf(env, req);
    try {
      await enforceRateLimit(env, env.REPORT_LIMITER, clientHash, "report");
    } catch (err) {
      // 429 with the form as it was: the person can send it again in a minute without
      // typing it again, and sees the other ways to reach us meanwhile.
      if (!(err instanceof ApiError) || err.code !== "rate_limited") throw err;
      const res = await again({}, 429, rateLimitedAlert(err.message));
      for (const [k, v] of Object.entries(err.options.headers ?? {})) res.headers.set(k, v);
      return res;
    }
    if (turnstileEnabled(env)) {
      const outcome = await verifyTurnstile(env, values["cf-turnstile-response"] ?? "", clientAddress(req), crypto.randomUUID());
      if (!outcome.ok && !outcome.unreachable) return again({ turnstile: turnstileMessage(outcome) }, 400);
    }
    const s = parsed.data;
    try {
      const result = await intakeReport(
        env,
        submissionInput("web", s, req, clientHash, {
          // The same form sent twice with the same text (double click, resend) is one report.
          channelMessageId: `form:${formId}:${(await textHashOf(s)).slice(0, 16)}`,
          idempotencyKey: null,
        }),
        { waitUntil: waitUntilOf(c) },
      );
      const token = result.viewUrl ? new URL(result.viewUrl).searchParams.get("k") : null;
      const location = `/report/received?ref=${encodeURIComponent(result.report.reference)}${token ? `&k=${encodeURIComponent(token)}` : ""}`;
      return new Response(null, { status: 303, headers: { Location: location, "Cache-Control": "no-store" } });
    } catch (err) {
      if (err instanceof IntakeUnavailableError) return again({}, 503, unavailableAlert(err.paged));
      const fields = fieldsOf(err);
      if (fields) return again(fields, 400);
      throw err;
    }
  })
  .get("/report/received", async (c) => {
    const reference = parseReference(c.req.query("ref") ?? "");
    if (!reference) throw new ApiError("not_found", "That report reference is not valid. It looks like R-7K3M9Q2X.");
    const token = c.req.query("k");
    let link: string | null = null;
    if (token && VIEW_TOKEN.test(token)) {
      try {
        const report = await findReportByReference(c.env.DB, reference);
        if (report && (await constantTimeEqual(await hashViewToken(token), report.viewTokenHash))) link = viewPath(reference, token);
      } catch (err) {
        console.error("received page: D1 unavailable, showing the reference only", err);
      }
    }
    return renderReceived(c.env, c.req.url, reference, link);
  })

  // ---- the JSON API ----------------------------------------------------------------------
  .post("/api/reports", async (c) => {
    const env = c.env;
    const req = c.req.raw;
    const clientHash = await clientHashOf(env, req);
    await enforceRateLimit(env, env.API_LIMITER, clientHash, "api");
    const key = req.headers.get("idempotency-key");
    if (key !== null && !/^[\x21-\x7e]{1,255}$/.test(key)) {
      throw new ApiError("bad_request", "The Idempotency-Key header must be 1 to 255 visible ASCII characters (a UUID is ideal).");
    }
    const s = await readJson(req, ReportSubmission, MAX_REPORT_BODY_BYTES);
    try {
      const result = await intakeReport(
        env,
        submissionInput("api", s, req, clientHash, { channelMessageId: null, idempotencyKey: key }),
        { waitUntil: waitUntilOf(c) },
      );
      c.header("Cache-Control", "no-store");
      if (!result.created) c.header("Idempotent-Replayed", "true");
      return c.json({ reference: result.report.reference, status_url: result.viewUrl }, result.created ? 201 : 200);
    } catch (err) {
      if (err instanceof IntakeUnavailableError) {
        const { phone, urgentEmail } = siteConfig.contacts;
        throw new ApiError(
          "unavailable",
          `We could not record this report: storage is unavailable. ${err.paged ? "Its text was sent to the engineer on call directly. " : ""}Contact us directly: phone ${phone}, email ${urgentEmail}.`,
          { headers: { "Retry-After": "60" } },
        );
      }
      throw err;
    }
  })

  // ---- the reporter's private view -------------------------------------------------------
  .get("/r/:reference", async (c) => {
    const token = c.req.query("k");
    const report = await reportForReporter(c.env, c.req.param("reference"), token);
    const messages = await listMessages(c.env.DB, report.id);
    return renderReporterView(c.env, c.req.url, { report, messages, formAction: viewPath(report.reference, token!) });
  })
  .post("/r/:reference", async (c) => {
    const env = c.env;
    const req = c.req.raw;
    enforceOrigin(env, req);
    const token = c.req.query("k");
    const report = await reportForReporter(env, c.req.param("reference"), token);
    requireContentType(req, FORM_TYPE);
    const values = formValues(new URLSearchParams(await readBodyText(req, MAX_REPORT_BODY_BYTES)));
    const action = viewPath(report.reference, token!);
    const parsed = FollowUp.safeParse({ message: values.message ?? "" });
    if (!parsed.success) {
      const messages = await listMessages(env.DB, report.id);
      const errors = { message: parsed.error.issues[0]?.message ?? "Write a message." };
      return renderReporterView(env, c.req.url, { report, messages, formAction: action, errors, draft: (values.message ?? "").slice(0, 20_000) }, 400);
    }
    await enforceRateLimit(env, env.REPORT_LIMITER, await clientHashOf(env, req), "followup");
    await insertMessageStatement(env.DB, {
      reportId: report.id,
      author: "reporter",
      authorName: report.reporter.name,
      body: parsed.data.message,
      createdAt: new Date().toISOString(),
    }).run();
    return new Response(null, { status: 303, headers: { Location: `${action}#latest`, "Cache-Control": "no-store" } });
  })

  // ---- staff -----------------------------------------------------------------------------
  // /api/admin/* is authenticated by the staff routes (requireStaff); scopes are checked here.
  .get("/api/admin/reports", requireScope("reports:read"), async (c) => {
    const q = parseWith(ListQuery, c.req.query());
    const reports = await listReports(c.env.DB, { ...q, after: q.cursor });
    const messages = await listMessagesOf(
      c.env.DB,
      reports.map((r) => r.id),
    );
    const extrasOf = reportExtrasLoader(c.env.DB);
    const bodies = await Promise.all(reports.map(async (r) => toAdminReportBody(r, messages.get(r.id) ?? [], await extrasOf(r))));
    c.header("Cache-Control", "no-store");
    const last = reports.length === q.limit ? reports.at(-1) : undefined;
    return c.json({ reports: bodies, next_cursor: last ? `${last.createdAt}~${last.id}` : null });
  })
  .get("/api/admin/reports/:reference", requireScope("reports:read"), async (c) => {
    const report = await staffReport(c);
    c.header("Cache-Control", "no-store");
    return c.json(await staffReportBody(c.env.DB, report));
  })
  .post("/api/admin/reports/:reference/ack", requireScope("reports:write"), (c) => closeReportByStaff(c, "acknowledge"))
  .post("/api/admin/reports/:reference/resolve", requireScope("reports:write"), (c) => closeReportByStaff(c, "resolve"))
  .post("/api/admin/reports/:reference/messages", requireScope("reports:write"), async (c) => {
    const report = await staffReport(c);
    const { body } = await readJson(c.req.raw, StaffReply, MAX_REPORT_BODY_BYTES);
    const staff = c.get("staff");
    const now = new Date();
    await c.env.DB.batch([
      insertMessageStatement(c.env.DB, { reportId: report.id, author: "staff", authorName: staff.name, body, createdAt: now.toISOString() }),
      auditStatement(c.env.DB, { actor: staff.name, action: "report.reply", target: report.reference, now }),
    ]);
    // The reporter hears about the reply by mail, with their private link.
    if (report.reporter.email && c.env.HASH_SALT) {
      const token = await viewTokenFor(report.id, c.env.HASH_SALT);
      const link = (await hashViewToken(token)) === report.viewTokenHash ? privateViewUrl(c.env.PUBLIC_URL, report.reference, token) : null;
      const mail = {
        subject: `[${report.reference}] Reply from ${siteConfig.name}`,
        text: `${body}\n\n${link ? `Answer and follow your report here (keep this link private):\n${link}\n` : ""}\n${siteConfig.name}`,
      };
      const sending = sendMail(c.env, [report.reporter.email], mail);
      const wait = waitUntilOf(c);
      if (wait) wait(sending);
      else await sending;
    }
    c.header("Cache-Control", "no-store");
    return c.json(await staffReportBody(c.env.DB, report), 201);
  });
