// The reporter's private view of their report: /r/{reference}?k={token} shows its state and
// thread, and takes follow-ups. The reference alone never opens it.
import { Hono } from "hono";
import { FollowUp } from "../../contract/reports";
import { readBodyText, requireContentType } from "../platform/body";
import type { AppEnv } from "../platform/types";
import { clientHashOf, enforceOrigin, enforceRateLimit } from "./abuse";
import { renderReporterView } from "./pages";
import { addFollowUp } from "./followup";
import { listMessages } from "./queries";
import { FORM_TYPE, MAX_REPORT_BODY_BYTES, formValues, reportForReporter, viewPath } from "./route-helpers";

export const reporterRoutes = new Hono<AppEnv>()
  .get("/r/:reference", async (c) => {
    const { db } = c.get("services");
    const token = c.req.query("k");
    const report = await reportForReporter(db, c.req.param("reference"), token);
    const messages = await listMessages(db, report.id);
    return renderReporterView(c.env, c.req.url, { report, messages, formAction: viewPath(report.reference, token!) });
  })
  .post("/r/:reference", async (c) => {
    const svc = c.get("services");
    const req = c.req.raw;
    enforceOrigin(svc.config, req);
    const token = c.req.query("k");
    const report = await reportForReporter(svc.db, c.req.param("reference"), token);
    requireContentType(req, FORM_TYPE);
    const values = formValues(new URLSearchParams(await readBodyText(req, MAX_REPORT_BODY_BYTES)));
    const action = viewPath(report.reference, token!);
    const parsed = FollowUp.safeParse({ message: values.message ?? "" });
    if (!parsed.success) {
      const messages = await listMessages(svc.db, report.id);
      const errors = { message: parsed.error.issues[0]?.message ?? "Write a message." };
      return renderReporterView(c.env, c.req.url, { report, messages, formAction: action, errors, draft: (values.message ?? "").slice(0, 20_000) }, 400);
    }
    await enforceRateLimit(svc.config, svc.limiters.report, await clientHashOf(svc.config, req), "followup");
    await addFollowUp(svc, report, parsed.data.message, new Date());
    return new Response(null, { status: 303, headers: { Location: `${action}#latest`, "Cache-Control": "no-store" } });
  });
