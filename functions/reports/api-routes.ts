// POST /api/reports: the JSON intake for integrations and scripts. Same fields as the form;
// 201 {reference, status_url}; honours Idempotency-Key.
import { Hono } from "hono";
import { ReportSubmission, type ReportCreatedBody } from "../../contract/reports";
import { siteConfig } from "../../site.config";
import { readJson } from "../platform/body";
import { ApiError } from "../platform/errors";
import type { AppEnv } from "../platform/types";
import { clientHashOf, enforceRateLimit } from "./abuse";
import { intakeReport, IntakeUnavailableError } from "./intake";
import { MAX_REPORT_BODY_BYTES, knownIncidents, submissionInput } from "./route-helpers";

export const reportApiRoutes = new Hono<AppEnv>().post("/api/reports", async (c) => {
  const svc = c.get("services");
  const req = c.req.raw;
  const clientHash = await clientHashOf(svc.config, req);
  await enforceRateLimit(svc.config, svc.limiters.api, clientHash, "api");
  const key = req.headers.get("idempotency-key");
  if (key !== null && !/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new ApiError("bad_request", "The Idempotency-Key header must be 1 to 255 visible ASCII characters (a UUID is ideal).");
  }
  const s = await readJson(req, ReportSubmission, MAX_REPORT_BODY_BYTES);
  try {
    const result = await intakeReport(svc, submissionInput("api", s, req, clientHash, { channelMessageId: null, idempotencyKey: key }));
    c.header("Cache-Control", "no-store");
    if (!result.created) c.header("Idempotent-Replayed", "true");
    const body: ReportCreatedBody = {
      known_incidents: (await knownIncidents(svc.db)).map((i) => ({ ...i, url: `${svc.config.publicUrl}/incidents/${encodeURIComponent(i.id)}` })),
      reference: result.report.reference,
      status_url: result.viewUrl,
      incident: result.report.incidentId,
    };
    return c.json(body, result.created ? 201 : 200);
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
});
