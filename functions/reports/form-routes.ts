// The urgent report form (works without JavaScript): GET /report shows it, POST /report files
// the report through the one intake function and answers 303 to /report/received, or shows
// the form again with the input kept and a message at each field.
import { Hono } from "hono";
import { ReportSubmission } from "../../contract/reports";
import { readBodyText, requireContentType } from "../platform/body";
import { constantTimeEqual, sha256Hex } from "../platform/crypto";
import { ApiError } from "../platform/errors";
import type { Config } from "../platform/config";
import type { AppEnv } from "../platform/types";
import { clientAddress, clientHashOf, enforceOrigin, enforceRateLimit, protections, turnstileEnabled, turnstileMessage, verifyTurnstile } from "./abuse";
import { intakeReport, IntakeUnavailableError, textHashOf } from "./intake";
import { rateLimitedAlert, renderReceived, renderReportForm, unavailableAlert, type FormField, type ReportFormState } from "./pages";
import { findReportByReference, listComponentChoices } from "./queries";
import { hashViewToken, parseReference } from "./reference";
import { FORM_TYPE, MAX_REPORT_BODY_BYTES, VIEW_TOKEN, formValues, knownIncidents, submissionInput, viewPath } from "./route-helpers";

const FORM_ID = /^[0-9a-f-]{36}$/;

async function componentChoices(db: D1Database): Promise<Array<{ id: string; name: string }>> {
  try {
    return await listComponentChoices(db);
  } catch (err) {
    // The form must work even when D1 does not: without the component list.
    console.error("report form: components unavailable", err);
    return [];
  }
}

function turnstileSiteKey(config: Config): string | undefined {
  return turnstileEnabled(config) && config.turnstile.siteKey ? config.turnstile.siteKey : undefined;
}

function fieldsOf(err: unknown): Record<string, string> | null {
  return err instanceof ApiError && err.code === "validation_failed" ? (err.options.fields ?? { _: err.message }) : null;
}

export const reportFormRoutes = new Hono<AppEnv>()
  .get("/report", async (c) => {
    const svc = c.get("services");
    return renderReportForm(c.env, c.req.url, {
      values: {},
      errors: {},
      formId: crypto.randomUUID(),
      components: await componentChoices(svc.db),
      knownIncidents: await knownIncidents(svc.db),
      turnstileSiteKey: turnstileSiteKey(svc.config),
    });
  })
  .post("/report", async (c) => {
    const svc = c.get("services");
    const { config } = svc;
    const req = c.req.raw;
    enforceOrigin(config, req);
    requireContentType(req, FORM_TYPE);
    const values = formValues(new URLSearchParams(await readBodyText(req, MAX_REPORT_BODY_BYTES)));
    const formId = FORM_ID.test(values.form_id ?? "") ? values.form_id! : crypto.randomUUID();
    const kept: ReportFormState["values"] = {};
    for (const f of ["name", "email", "phone", "subject", "message", "component", "urgency", "incident"] as FormField[]) {
      if (values[f] !== undefined) kept[f] = values[f].slice(0, 20_000);
    }
    const again = async (errors: Record<string, string>, status: number, alert?: ReportFormState["alert"]) =>
      renderReportForm(
        c.env,
        c.req.url,
        { values: kept, errors, formId, components: await componentChoices(svc.db), knownIncidents: await knownIncidents(svc.db), alert, turnstileSiteKey: turnstileSiteKey(config) },
        status,
      );

    if (protections(config).has("honeypot") && (values.website ?? "") !== "") {
      return again({ website: "This field must stay empty. If you filled it in by mistake, clear it and send again." }, 400);
    }
    const parsed = ReportSubmission.safeParse(values);
    if (!parsed.success) {
      const errors: Record<string, string> = {};
      for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? "_")] ??= issue.message;
      return again(errors, 400);
    }
    const clientHash = await clientHashOf(config, req);
    try {
      await enforceRateLimit(config, svc.limiters.report, clientHash, "report");
    } catch (err) {
      // 429 with the form as it was: the person can send it again in a minute without
      // typing it again, and sees the other ways to reach us meanwhile.
      if (!(err instanceof ApiError) || err.code !== "rate_limited") throw err;
      const res = await again({}, 429, rateLimitedAlert(err.message));
      for (const [k, v] of Object.entries(err.options.headers ?? {})) res.headers.set(k, v);
      return res;
    }
    if (turnstileEnabled(config)) {
      const outcome = await verifyTurnstile(config.turnstile, values["cf-turnstile-response"] ?? "", clientAddress(req), crypto.randomUUID());
      if (!outcome.ok && !outcome.unreachable) return again({ turnstile: turnstileMessage(outcome) }, 400);
    }
    const s = parsed.data;
    try {
      const result = await intakeReport(
        svc,
        submissionInput("web", s, req, clientHash, {
          // The same form sent twice with the same text (double click, resend) from the same
          // client is one report; the form id alone, from someone else, replays nothing.
          channelMessageId: `form:${(await sha256Hex(`${clientHash ?? ""}:${formId}`)).slice(0, 32)}:${(await textHashOf(s)).slice(0, 16)}`,
          idempotencyKey: null,
        }),
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
        const report = await findReportByReference(c.get("services").db, reference);
        if (report && (await constantTimeEqual(await hashViewToken(token), report.viewTokenHash))) link = viewPath(reference, token);
      } catch (err) {
        console.error("received page: D1 unavailable, showing the reference only", err);
      }
    }
    return renderReceived(c.env, c.req.url, reference, link);
  });
