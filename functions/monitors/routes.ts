// Staff API of monitors and heartbeats (every route needs a staff token; see staff/routes.ts):
//   GET  /api/admin/monitors                          the active configuration document
//   PUT  /api/admin/monitors                          replace it (scope monitors:write)
//   GET  /api/admin/monitors/status                   every monitor's and heartbeat's status now
//   GET  /api/admin/monitors/results/{id}             a monitor's results (48 h) and hourly roll-up (90 days)
//   GET  /api/admin/monitors/heartbeats/{id}/pings    a heartbeat's last pings, with their bodies
//   POST /api/admin/monitors/heartbeats/{id}/token    a new ping URL (the old one stops working)
//   GET  /api/admin/monitors/drafts                   draft incidents prepared by outages
//   POST /api/admin/monitors/drafts/{id}/publish      publish one (scope status:write): one tap
//   POST /api/admin/monitors/drafts/{id}/dismiss      drop one (scope monitors:write)
import { Hono } from "hono";
import * as z from "zod";
import { CreateIncidentInput } from "../../contract/status";
import { parseWith, readBodyText, readJson, requireContentType } from "../platform/body";
import { ApiError } from "../platform/errors";
import type { AppEnv } from "../platform/types";
import { auditStatement } from "../staff/queries";
import { requireScope } from "../staff/auth";
import { componentReferences, MonitorsConfig, unreachableInProduction } from "./config.pure";
import { heartbeatVerdict } from "./heartbeat.pure";
import {
  ensureStateStatement,
  getDraft,
  hourlySince,
  insertHeartbeatTokenIfMissing,
  insertMonitorsConfigStatement,
  listDrafts,
  listPings,
  loadActiveMonitorsConfig,
  loadStates,
  moveDraft,
  replaceHeartbeatToken,
  resultsSince,
  serializeMonitorsConfig,
  type Draft,
  type StoredMonitorsConfig,
} from "./queries";
import { componentsById, publishIncident } from "./status-seam";
import { heartbeatTokenHash, newHeartbeatToken, pingUrl } from "./tokens";
import { heartbeatTimes } from "./watch.pure";

/** Hundreds of monitors fit in far less. */
const MAX_CONFIG_BYTES = 512 * 1024;

function configJson(stored: StoredMonitorsConfig) {
  return { version: stored.version, sha256: stored.sha256, created_at: stored.createdAt, created_by: stored.createdBy, config: stored.config };
}

async function activeOr404(db: D1Database): Promise<StoredMonitorsConfig> {
  const stored = await loadActiveMonitorsConfig(db);
  if (!stored) throw new ApiError("not_found", "No monitors configuration has been stored yet (PUT /api/admin/monitors).");
  return stored;
}

/** Cross-checks the schema cannot make: linked components exist; targets reachable in production. */
async function checkAgainstDeployment(env: Env, config: MonitorsConfig): Promise<void> {
  const fields: Record<string, string> = {};
  const refs = componentReferences(config);
  const found = await componentsById(env.DB, refs.map((r) => r.componentId));
  for (const r of refs) if (!found.has(r.componentId)) fields[r.path] = `There is no component "${r.componentId}" on the status page.`;
  if (env.ENVIRONMENT === "production") for (const p of unreachableInProduction(config)) fields[p.path] = p.message;
  const first = Object.entries(fields)[0];
  if (first) throw new ApiError("validation_failed", `${first[0]}: ${first[1]}`, { fields });
}

function draftJson(d: Draft) {
  return {
    id: d.id,
    state: d.state,
    source: d.source,
    source_id: d.watchId,
    name: d.name,
    impact: d.impact,
    body: d.body,
    components: d.components,
    created_at: d.createdAt,
    recovered_at: d.recoveredAt,
    incident_id: d.incidentId,
    decided_at: d.decidedAt,
    decided_by: d.decidedBy,
  };
}

async function draftOr404(db: D1Database, id: string): Promise<Draft> {
  const draft = await getDraft(db, id);
  if (!draft) throw new ApiError("not_found", `There is no draft incident ${id}.`);
  return draft;
}

function alreadyDecided(d: Draft): ApiError {
  const what = d.state === "published" ? `was published as incident ${d.incidentId}` : d.state === "dismissed" ? "was dismissed" : "is being published right now";
  return new ApiError("conflict", `This draft ${what}.`);
}

/** What staff may change in one tap; everything else comes from the draft. */
const PublishOverrides = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  body: z.string().trim().min(1).max(10_000).optional(),
  impact: z.enum(["none", "minor", "major", "critical"]).optional(),
});

/** A JSON body that may also be absent (an empty object then). */
async function readOptionalJson<S extends z.ZodType>(req: Request, schema: S): Promise<z.infer<S>> {
  const text = await readBodyText(req, 64 * 1024);
  if (text.trim() === "") return parseWith(schema, {});
  requireContentType(req, "application/json");
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ApiError("bad_request", "The request body is not valid JSON.");
  }
  return parseWith(schema, data);
}

const DraftStateQuery = z.enum(["pending", "published", "dismissed", "all"]).default("pending");
const HoursQuery = z.coerce.number().int().min(1).max(48).default(24);
const DaysQuery = z.coerce.number().int().min(1).max(100).default(90);

export const monitorRoutes = new Hono<AppEnv>()
  .get("/api/admin/monitors", requireScope("monitors:read"), async (c) => {
    c.header("Cache-Control", "no-store");
    return c.json(configJson(await activeOr404(c.env.DB)));
  })
  .put("/api/admin/monitors", requireScope("monitors:write"), async (c) => {
    const config = await readJson(c.req.raw, MonitorsConfig, MAX_CONFIG_BYTES);
    await checkAgainstDeployment(c.env, config);
    const staff = c.get("staff");
    const now = new Date();
    const { document, sha256 } = await serializeMonitorsConfig(config);
    const active = await loadActiveMonitorsConfig(c.env.DB, { lenient: true });
    let version = active?.version ?? 0;
    const changed = !active || active.sha256 !== sha256;
    // Tokens for heartbeats that have none yet: shown in this answer only.
    const minted = await Promise.all(config.heartbeats.map(async (h) => ({ id: h.id, token: newHeartbeatToken() })));
    const hashes = await Promise.all(minted.map((m) => heartbeatTokenHash(m.token)));
    const tokenStatements = minted.map((m, i) => insertHeartbeatTokenIfMissing(c.env.DB, m.id, hashes[i]!, now));
    const stateStatements = [
      ...config.monitors.map((m) => ensureStateStatement(c.env.DB, "monitor", m.id, now)),
      ...config.heartbeats.map((h) => ensureStateStatement(c.env.DB, "heartbeat", h.id, now)),
    ];
    const head = changed
      ? [
          insertMonitorsConfigStatement(c.env.DB, { document, sha256, createdBy: staff.name, now }),
          auditStatement(c.env.DB, { actor: staff.name, action: "monitors.replace", target: "monitors", detail: { monitors: config.monitors.length, heartbeats: config.heartbeats.length }, now }),
        ]
      : [];
    const results = await c.env.DB.batch([...head, ...tokenStatements, ...stateStatements]);
    if (changed) version = Number(results[0]!.meta.last_row_id);
    const newTokens = minted
      .filter((_, i) => results[head.length + i]!.meta.changes === 1)
      .map((m) => ({ id: m.id, token: m.token, ping_url: pingUrl(c.env.PUBLIC_URL, m.token) }));
    c.header("Cache-Control", "no-store");
    return c.json({ version, changed, new_heartbeat_tokens: newTokens }, changed ? 201 : 200);
  })
  .get("/api/admin/monitors/status", requireScope("monitors:read"), async (c) => {
    c.header("Cache-Control", "no-store");
    const stored = await loadActiveMonitorsConfig(c.env.DB, { lenient: true });
    const states = await loadStates(c.env.DB);
    const stateOf = (source: string, id: string) => states.find((s) => s.source === source && s.watchId === id);
    const now = new Date();
    return c.json({
      version: stored?.version ?? null,
      monitors: (stored?.config.monitors ?? []).map((m) => {
        const s = stateOf("monitor", m.id);
        return {
          id: m.id,
          name: m.name,
          kind: m.kind,
          target: m.target,
          enabled: m.enabled,
          component: m.component ?? null,
          status: s?.status ?? "up",
          status_since: s?.statusSince ?? null,
          last_checked_at: s?.lastCheckedAt ?? null,
          last_result: s?.lastLevel ?? null,
          last_message: s?.lastMessage ?? null,
          last_latency_ms: s?.lastLatencyMs ?? null,
          next_due_at: s?.nextDueAt ?? null,
        };
      }),
      heartbeats: (stored?.config.heartbeats ?? []).map((h) => {
        const s = stateOf("heartbeat", h.id);
        const verdict = s ? heartbeatVerdict(h.schedule, heartbeatTimes(s), now) : null;
        return {
          id: h.id,
          name: h.name,
          schedule: h.schedule,
          enabled: h.enabled,
          component: h.component ?? null,
          status: s?.status ?? "up",
          status_since: s?.statusSince ?? null,
          last_ping_at: s?.lastPingAt ?? null,
          last_ping_kind: s?.lastPingKind ?? null,
          last_success_at: s?.lastSuccessAt ?? null,
          next_expected_at: verdict?.expectedAt.toISOString() ?? null,
          deadline: verdict?.deadline.toISOString() ?? null,
        };
      }),
    });
  })
  .get("/api/admin/monitors/results/:id", requireScope("monitors:read"), async (c) => {
    c.header("Cache-Control", "no-store");
    const hours = parseWith(HoursQuery, c.req.query("hours"));
    const days = parseWith(DaysQuery, c.req.query("days"));
    const id = c.req.param("id");
    const stored = await activeOr404(c.env.DB);
    if (!stored.config.monitors.some((m) => m.id === id)) throw new ApiError("not_found", `There is no monitor "${id}".`);
    const now = Date.now();
    const [results, hourly] = await Promise.all([
      resultsSince(c.env.DB, id, new Date(now - hours * 3_600_000)),
      hourlySince(c.env.DB, id, new Date(now - days * 86_400_000)),
    ]);
    return c.json({
      id,
      results: results.map((r) => ({ checked_at: r.checkedAt, result: r.level, latency_ms: r.latencyMs, message: r.message })),
      hourly: hourly.map((h) => ({ hour: h.hour, checks: h.checks, failures: h.failures, latency_avg_ms: h.latencyAvgMs, latency_max_ms: h.latencyMaxMs })),
    });
  })
  .get("/api/admin/monitors/heartbeats/:id/pings", requireScope("monitors:read"), async (c) => {
    c.header("Cache-Control", "no-store");
    const id = c.req.param("id");
    const stored = await activeOr404(c.env.DB);
    if (!stored.config.heartbeats.some((h) => h.id === id)) throw new ApiError("not_found", `There is no heartbeat "${id}".`);
    const pings = await listPings(c.env.DB, id, 100);
    return c.json({
      id,
      pings: pings.map((p) => ({ kind: p.kind, exit_status: p.exitStatus, received_at: p.receivedAt, body: p.body, body_bytes: p.bodyBytes })),
    });
  })
  .post("/api/admin/monitors/heartbeats/:id/token", requireScope("monitors:write"), async (c) => {
    const id = c.req.param("id");
    const stored = await activeOr404(c.env.DB);
    if (!stored.config.heartbeats.some((h) => h.id === id)) throw new ApiError("not_found", `There is no heartbeat "${id}".`);
    const now = new Date();
    const token = newHeartbeatToken();
    const staff = c.get("staff");
    await c.env.DB.batch([
      replaceHeartbeatToken(c.env.DB, id, await heartbeatTokenHash(token), now),
      auditStatement(c.env.DB, { actor: staff.name, action: "heartbeat.token.replace", target: id, now }),
    ]);
    c.header("Cache-Control", "no-store");
    return c.json({ id, token, ping_url: pingUrl(c.env.PUBLIC_URL, token) }, 201);
  })
  .get("/api/admin/monitors/drafts", requireScope("monitors:read"), async (c) => {
    c.header("Cache-Control", "no-store");
    const state = parseWith(DraftStateQuery, c.req.query("state"));
    const drafts = await listDrafts(c.env.DB, state === "all" ? null : state, 100);
    return c.json({ drafts: drafts.map(draftJson) });
  })
  .post("/api/admin/monitors/drafts/:id/publish", requireScope("status:write"), async (c) => {
    const id = c.req.param("id");
    // One tap: no body at all is the common case; a JSON body may adjust the words.
    const overrides = await readOptionalJson(c.req.raw, PublishOverrides);
    const draft = await draftOr404(c.env.DB, id);
    const staff = c.get("staff");
    const now = new Date();
    if (!(await moveDraft(c.env.DB, id, "pending", "publishing"))) throw alreadyDecided((await getDraft(c.env.DB, id)) ?? draft);
    let incidentId: string;
    try {
      const input = parseWith(CreateIncidentInput, {
        name: overrides.name ?? draft.name,
        status: "investigating",
        impact: overrides.impact ?? draft.impact,
        body: overrides.body ?? draft.body,
        components: draft.components,
      });
      incidentId = await publishIncident(c.get("services"), input, staff.name, now);
    } catch (err) {
      await moveDraft(c.env.DB, id, "publishing", "pending");
      throw err;
    }
    await moveDraft(c.env.DB, id, "publishing", "published", { by: staff.name, now, incidentId });
    return c.json({ id, state: "published", incident_id: incidentId }, 201);
  })
  .post("/api/admin/monitors/drafts/:id/dismiss", requireScope("monitors:write"), async (c) => {
    const id = c.req.param("id");
    const draft = await draftOr404(c.env.DB, id);
    const staff = c.get("staff");
    const now = new Date();
    if (!(await moveDraft(c.env.DB, id, "pending", "dismissed", { by: staff.name, now }))) throw alreadyDecided((await getDraft(c.env.DB, id)) ?? draft);
    await auditStatement(c.env.DB, { actor: staff.name, action: "monitors.draft.dismiss", target: id, now }).run();
    return c.json({ id, state: "dismissed" });
  });

export { heartbeatRoutes } from "./heartbeat-routes";
