// The staff write API of the status page (HTTP contract, DESIGN.md). requireStaff() guards
// /api/admin/* (functions/staff/routes.ts); every route here also needs "status:write".
// Each write is audited in its own D1 batch (writes.ts) and bumps the cache version, so the
// pages, feeds and API show it within seconds.
import { Hono, type Context } from "hono";
import { CreateIncidentInput, CreateMaintenanceInput, PatchComponentInput, PostIncidentUpdateInput } from "../../contract/status";
import { readJson } from "../platform/body";
import { ApiError } from "../platform/errors";
import type { AppEnv } from "../platform/types";
import { requireScope } from "../staff/auth";
import { forgetVersion } from "./cache";
import { findComponents, getIncident, readVersion } from "./queries";
import { componentJson, incidentJson } from "./statuspage.pure";
import { createIncident, createMaintenance, postIncidentUpdate, setComponentStatus } from "./writes";

async function incidentAnswer(env: Env, id: string) {
  const incident = await getIncident(env.DB, id);
  if (!incident) throw new ApiError("not_found", `There is no incident or maintenance with id ${id}.`);
  const components = new Map((await findComponents(env.DB, incident.componentIds)).map((c) => [c.id, c]));
  return incidentJson(incident, components, env.PUBLIC_URL);
}

/**
 * After a write: the static mirror (functions/mirror) publishes the version it made, within
 * seconds (run after the answer, with the queued copy as the safety net). If even the queue
 * send fails, the mirror's cron sees the version is behind within a minute: the write stands.
 */
async function announceChange(c: Context<AppEnv>): Promise<void> {
  try {
    const version = Number(await readVersion(c.env.DB));
    await c.get("services").queue.dispatch({ type: "mirror.publish", version, reason: "change" });
  } catch (err) {
    console.error("status write: the mirror was not told (its cron will catch up)", err);
  }
}

export const statusAdminRoutes = new Hono<AppEnv>()
  .use("/api/admin/incidents", requireScope("status:write"))
  .use("/api/admin/incidents/*", requireScope("status:write"))
  .use("/api/admin/components/*", requireScope("status:write"))
  .use("/api/admin/maintenances", requireScope("status:write"))
  .post("/api/admin/incidents", async (c) => {
    const input = await readJson(c.req.raw, CreateIncidentInput);
    const id = await createIncident(c.env.DB, input, c.get("staff").name, new Date());
    forgetVersion(c.env.DB);
    await announceChange(c);
    c.header("Location", `/incidents/${id}`);
    c.header("Cache-Control", "no-store");
    return c.json({ id, incident: await incidentAnswer(c.env, id) }, 201);
  })
  .post("/api/admin/incidents/:id/updates", async (c) => {
    const input = await readJson(c.req.raw, PostIncidentUpdateInput);
    const { id, updateId } = await postIncidentUpdate(c.env.DB, c.req.param("id"), input, c.get("staff").name, new Date());
    forgetVersion(c.env.DB);
    await announceChange(c);
    c.header("Cache-Control", "no-store");
    return c.json({ id, update_id: updateId, incident: await incidentAnswer(c.env, id) }, 201);
  })
  .patch("/api/admin/components/:id", async (c) => {
    const input = await readJson(c.req.raw, PatchComponentInput);
    const id = c.req.param("id");
    await setComponentStatus(c.env.DB, id, input.status, c.get("staff").name, new Date());
    forgetVersion(c.env.DB);
    await announceChange(c);
    const [component] = await findComponents(c.env.DB, [id]);
    c.header("Cache-Control", "no-store");
    return c.json({ component: componentJson(component!) });
  })
  .post("/api/admin/maintenances", async (c) => {
    const input = await readJson(c.req.raw, CreateMaintenanceInput);
    const id = await createMaintenance(c.env.DB, input, c.get("staff").name, new Date());
    forgetVersion(c.env.DB);
    await announceChange(c);
    c.header("Location", `/maintenance/${id}`);
    c.header("Cache-Control", "no-store");
    return c.json({ id, scheduled_maintenance: await incidentAnswer(c.env, id) }, 201);
  });
