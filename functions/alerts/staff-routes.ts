// The staff alert API: GET /api/admin/alerts[/{id}], POST /api/admin/alerts/{id}/ack|resolve.
import { Hono } from "hono";
import * as z from "zod";
import { ApiError } from "../platform/errors";
import type { AppEnv } from "../platform/types";
import { auditStatement } from "../staff/queries";
import { requireScope } from "../staff/auth";
import { acknowledgeAlert, resolveAlert, type FanoutServices } from "./lifecycle";
import { listAlerts, type AlertState } from "./queries";
import { alertBody, alertDetails } from "./views";

const AlertStateQuery = z.enum(["triggered", "acknowledged", "resolved", "merged"]).optional();

async function staffClose(svc: FanoutServices, id: string, actor: string, to: "acknowledged" | "resolved"): Promise<Response> {
  const now = new Date();
  const by = { actor, via: "staff api", extra: (alertId: string) => [auditStatement(svc.db, { actor, action: to === "acknowledged" ? "alert.acknowledge" : "alert.resolve", target: alertId, now })] };
  const outcome = to === "acknowledged" ? await acknowledgeAlert(svc, id, by, now) : await resolveAlert(svc, id, by, now);
  if (!outcome) throw new ApiError("not_found", "No alert has this id.");
  return Response.json({ alert: alertBody(outcome.alert), changed: outcome.changed }, { headers: { "cache-control": "no-store" } });
}

export const alertStaffRoutes = new Hono<AppEnv>()
  .get("/api/admin/alerts", requireScope("reports:read"), async (c) => {
    const state = AlertStateQuery.safeParse(c.req.query("state") || undefined);
    if (!state.success) throw new ApiError("validation_failed", "state must be triggered, acknowledged, resolved or merged.", { fields: { state: "Unknown state." } });
    c.header("Cache-Control", "no-store");
    const alerts = await listAlerts(c.get("services").db, { state: state.data as AlertState | undefined, limit: 100 });
    return c.json({ alerts: alerts.map((a) => alertBody(a)) });
  })
  .get("/api/admin/alerts/:id", requireScope("reports:read"), async (c) => {
    const details = await alertDetails(c.get("services").db, c.req.param("id"));
    if (!details) throw new ApiError("not_found", "No alert has this id.");
    c.header("Cache-Control", "no-store");
    return c.json({ alert: details });
  })
  .post("/api/admin/alerts/:id/ack", requireScope("reports:write"), async (c) => staffClose(c.get("services"), c.req.param("id"), c.get("staff").name, "acknowledged"))
  .post("/api/admin/alerts/:id/resolve", requireScope("reports:write"), async (c) => staffClose(c.get("services"), c.req.param("id"), c.get("staff").name, "resolved"));
