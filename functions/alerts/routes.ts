// Acknowledgement and alert routes:
//   GET  /ack/{token}            confirmation page (never acknowledges: scanners and previews GET)
//   POST /ack/{token}            acknowledges (the page's form; ntfy's action button)
//   POST /hooks/twilio/sms       SMS replies "4" or "ACK <code>" (signed by Twilio)
//   POST /hooks/twilio/voice/{token}  the voice call's Gather: digit 4 acknowledges (signed)
//   GET  /api/admin/alerts[/{id}], POST /api/admin/alerts/{id}/ack|resolve  (staff)
import { Hono } from "hono";
import { siteConfig } from "../../site.config";
import { z } from "zod";
import { auditStatement } from "../staff/audit";
import { requireScope } from "../staff/auth";
import { readBodyText } from "../platform/body";
import { ApiError } from "../platform/errors";
import { escapeHtml } from "../platform/html";
import { fetchShell, liveResponse, setText } from "../platform/shell";
import type { AppEnv } from "../platform/types";
import { verifyAckToken } from "./ack-token";
import { componentName, findAlert, listAlerts, listDeliveries, listEvents, type Alert, type AlertState, type Delivery } from "./queries";
import { acknowledgeAlert, resolveAlert } from "./lifecycle";
import { handleProviderFailure } from "./delivery";
import { verifyTwilioSignature } from "./twilio-signature";

const MAX_HOOK_BYTES = 16 * 1024;

async function claimFromToken(env: Env, token: string, now: Date) {
  const check = await verifyAckToken(env.ACK_SIGNING_KEY, token, now);
  if (!check.ok) {
    throw new ApiError(
      "not_found",
      check.reason === "expired"
        ? "This acknowledgement link has expired. Acknowledge from a newer page, or reply 4 to the SMS."
        : "This acknowledgement link is not valid. Check that the whole link was copied.",
    );
  }
  const alert = await findAlert(env.DB, check.claim.alertId);
  if (!alert) throw new ApiError("not_found", "This alert no longer exists.");
  return { claim: check.claim, alert };
}

/** The person's name as paged (from the delivery rows), else their id. */
async function personName(env: Env, alertId: string, personId: string): Promise<string> {
  const row = await env.DB.prepare("SELECT person_name FROM deliveries WHERE alert_id = ?1 AND person_id = ?2 LIMIT 1").bind(alertId, personId).first<{ person_name: string }>();
  return row?.person_name ?? personId;
}

/** "28 Nov 2026, 12:44 CET": in the site's timezone, which on-call staff read alerts in. */
function formatTime(iso: string | null): string {
  if (!iso) return "an unknown time";
  return new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: siteConfig.timezone }).format(new Date(iso)) + ` (${siteConfig.timezone})`;
}

function stateSentence(alert: Alert): string {
  if (alert.state === "acknowledged") return `Acknowledged by ${alert.acknowledgedBy ?? "someone"} at ${formatTime(alert.acknowledgedAt)}. Escalation has stopped.`;
  if (alert.state === "resolved") return `Resolved by ${alert.resolvedBy ?? "someone"} at ${formatTime(alert.resolvedAt)}.`;
  if (alert.state === "merged") return "This alert was merged into another one.";
  return "Nobody has acknowledged this alert yet.";
}

async function parseForm(req: Request): Promise<URLSearchParams> {
  const type = (req.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") throw new ApiError("unsupported_media_type", "Send the body as application/x-www-form-urlencoded.");
  return new URLSearchParams(await readBodyText(req, MAX_HOOK_BYTES));
}

/** The URLs Twilio may have signed: as received, and under the configured public URL. */
function signedUrls(env: Env, requestUrl: string): string[] {
  const url = new URL(requestUrl);
  return [requestUrl, `${env.PUBLIC_URL.replace(/\/+$/, "")}${url.pathname}${url.search}`];
}

function twiml(body: string): Response {
  return new Response(`<?xml version="1.0" encoding="UTF-8"?><Response>${body}</Response>`, {
    headers: { "content-type": "text/xml; charset=utf-8", "cache-control": "no-store" },
  });
}

async function requireTwilio(env: Env, req: Request): Promise<URLSearchParams> {
  const form = await parseForm(req);
  const ok = await verifyTwilioSignature(env.TWILIO_AUTH_TOKEN, req.headers.get("x-twilio-signature"), signedUrls(env, req.url), form.entries());
  if (!ok) throw new ApiError("forbidden", "The X-Twilio-Signature header is missing or does not match.");
  return form;
}

/** The open alert an SMS reply from `number` means: "ACK <code>" names it; "4" is the newest
 * alert paged to that number. Only alerts actually paged to that number can be acknowledged. */
async function alertForReply(env: Env, number: string, code: string | null): Promise<{ alertId: string; personId: string; personName: string } | null> {
  const row = await env.DB.prepare(
    `SELECT d.alert_id, d.person_id, d.person_name FROM deliveries d JOIN alerts a ON a.id = d.alert_id
     WHERE d.channel IN ('sms','voice') AND json_extract(d.target, '$.number') = ?1 AND a.state = 'triggered'
       AND (?2 IS NULL OR a.ack_code = ?2)
     ORDER BY d.created_at DESC LIMIT 1`,
  )
    .bind(number, code)
    .first<{ alert_id: string; person_id: string; person_name: string }>();
  return row ? { alertId: row.alert_id, personId: row.person_id, personName: row.person_name } : null;
}

function alertBody(alert: Alert, extra: { component?: string | null; events?: unknown; deliveries?: Delivery[] } = {}) {
  return {
    id: alert.id,
    code: alert.ackCode,
    state: alert.state,
    subject: alert.subject,
    component_id: alert.componentId,
    component: extra.component,
    report_count: alert.reportCount,
    first_text: alert.firstText,
    policy: alert.plan?.policyId ?? null,
    level: alert.level + 1,
    round: alert.round,
    next_escalation_at: alert.nextEscalationAt,
    created_at: alert.createdAt,
    last_report_at: alert.lastReportAt,
    acknowledged_at: alert.acknowledgedAt,
    acknowledged_by: alert.acknowledgedBy,
    resolved_at: alert.resolvedAt,
    resolved_by: alert.resolvedBy,
    merged_into: alert.mergedInto,
    ...(extra.events ? { events: extra.events } : {}),
    ...(extra.deliveries ? { deliveries: extra.deliveries.map(deliveryBody) } : {}),
  };
}

/** A delivery for staff eyes: the target's kind and a hint, never a full webhook URL. */
export function deliveryBody(d: Delivery) {
  const t = d.target;
  const target =
    t.type === "email" ? t.address : t.type === "sms" || t.type === "voice" ? t.number : t.type === "telegram" ? t.chatId : t.type === "ntfy" ? t.topic : `${t.type} (secret URL or key)`;
  return {
    id: d.id,
    level: d.level + 1,
    round: d.round,
    person_id: d.personId,
    person: d.personName,
    channel: d.channel,
    target,
    purpose: d.purpose,
    state: d.state,
    attempts: d.attempts,
    provider_id: d.providerId,
    error: d.error,
    created_at: d.createdAt,
    updated_at: d.updatedAt,
    sent_at: d.sentAt,
  };
}

/** The alert, its timeline and deliveries as staff see them (also used by the report view). */
export async function alertDetails(env: Pick<Env, "DB">, alertId: string) {
  const alert = await findAlert(env.DB, alertId);
  if (!alert) return null;
  const [component, events, deliveries] = await Promise.all([componentName(env.DB, alert.componentId), listEvents(env.DB, alertId), listDeliveries(env.DB, alertId)]);
  return alertBody(alert, {
    component,
    events: events.map((e) => ({ type: e.type, message: e.message, actor: e.actor, detail: e.detail, created_at: e.createdAt })),
    deliveries,
  });
}

/** Final Twilio statuses that mean the person was not reached. */
const twilioFailures = new Set(["failed", "undelivered", "busy", "no-answer", "canceled"]);

const ackApps: Record<string, string> = { ntfy: "ntfy action", pushover: "Pushover app" };

const AlertStateQuery = z.enum(["triggered", "acknowledged", "resolved", "merged"]).optional();

/** For the staff view of one report (functions/reports/staff-view.ts): its alert with the
 * alert's timeline, and the deliveries the alert caused. */
export async function reportAlertExtras(db: D1Database, alertId: string | null): Promise<{ alert: unknown; deliveries: unknown[] }> {
  const details = alertId ? await alertDetails({ DB: db }, alertId) : null;
  if (!details) return { alert: null, deliveries: [] };
  const { deliveries, ...alert } = details;
  return { alert, deliveries: deliveries ?? [] };
}

export const alertRoutes = new Hono<AppEnv>()
  .get("/ack/:token", async (c) => {
    const { alert } = await claimFromToken(c.env, c.req.param("token"), new Date());
    const shell = await fetchShell(c.env, c.req.url, "/ack");
    const component = await componentName(c.env.DB, alert.componentId);
    const open = alert.state === "triggered";
    let rewriter = new HTMLRewriter();
    rewriter = setText(rewriter, "[data-slot=ack-title]", open ? `Acknowledge alert ${alert.ackCode}?` : `Alert ${alert.ackCode}`);
    rewriter = setText(rewriter, "[data-slot=ack-state]", stateSentence(alert));
    rewriter = setText(rewriter, "[data-slot=ack-what]", component ? `${component}: ${alert.subject}` : alert.subject);
    rewriter = setText(rewriter, "[data-slot=ack-count]", String(alert.reportCount));
    rewriter = setText(rewriter, "[data-slot=ack-created]", formatTime(alert.createdAt));
    rewriter = setText(rewriter, "[data-slot=ack-code]", alert.ackCode);
    rewriter = setText(rewriter, "[data-slot=ack-first]", alert.firstText || "No text.");
    if (!open) rewriter = rewriter.on("[data-slot=ack-form]", { element: (el) => void el.remove() });
    const res = liveResponse(rewriter.transform(shell), 200, "no-store");
    // The link is a credential: keep it out of indexes and referrers.
    res.headers.set("x-robots-tag", "noindex, nofollow");
    res.headers.set("referrer-policy", "no-referrer");
    return res;
  })
  .post("/ack/:token", async (c) => {
    const token = c.req.param("token");
    const now = new Date();
    const { claim, alert } = await claimFromToken(c.env, token, now);
    const name = await personName(c.env, alert.id, claim.personId);
    // Apps acknowledge by POSTing the same link (ntfy's action button, Pushover's callback when
    // the emergency notification is acknowledged in the app); ?via= only labels the timeline.
    const app = ackApps[c.req.query("via") ?? ""];
    const outcome = await acknowledgeAlert(c.env, alert.id, { actor: name, via: app ?? "acknowledgement link" }, now);
    const accept = c.req.header("accept") ?? "";
    if (app || (accept.includes("application/json") && !accept.includes("text/html"))) {
      return c.json({ alert: outcome!.alert.id, state: outcome!.alert.state, acknowledged_now: outcome!.changed, acknowledged_by: outcome!.alert.acknowledgedBy });
    }
    // Post/redirect/get: the confirmation page then shows who acknowledged, and a reload
    // does not post again.
    return c.redirect(`/ack/${token}`, 303);
  })
  .post("/hooks/twilio/sms", async (c) => {
    const form = await requireTwilio(c.env, c.req.raw);
    const from = form.get("From") ?? "";
    const body = (form.get("Body") ?? "").trim();
    const match = /^(?:4|ack)(?:\s+([a-z0-9]{3,8}))?[.!]?$/i.exec(body);
    if (!match) return twiml(`<Message>${escapeHtml("Reply 4 to acknowledge your newest alert, or ACK and its code, e.g. ACK 7KQ2M.")}</Message>`);
    const code = match[1]?.toUpperCase() ?? null;
    const target = await alertForReply(c.env, from, code);
    if (!target) return twiml(`<Message>${escapeHtml(code ? `No open alert ${code} was paged to this number.` : "No open alert was paged to this number.")}</Message>`);
    const outcome = await acknowledgeAlert(c.env, target.alertId, { actor: target.personName, via: "sms reply" }, new Date());
    const a = outcome!.alert;
    return twiml(`<Message>${escapeHtml(`Alert ${a.ackCode} acknowledged${outcome!.changed ? "" : ` already, by ${a.acknowledgedBy}`}. Escalation stopped.`)}</Message>`);
  })
  .post("/hooks/twilio/voice/:token", async (c) => {
    const form = await requireTwilio(c.env, c.req.raw);
    const now = new Date();
    const { claim, alert } = await claimFromToken(c.env, c.req.param("token"), now);
    if ((form.get("Digits") ?? "") !== "4") return twiml("<Say>Not acknowledged. Goodbye.</Say>");
    const name = await personName(c.env, alert.id, claim.personId);
    await acknowledgeAlert(c.env, alert.id, { actor: name, via: "phone call" }, now);
    return twiml("<Say>Acknowledged. Escalation has stopped. Thank you.</Say>");
  })
  .post("/hooks/twilio/status/:delivery", async (c) => {
    // Twilio's status callback for a page's SMS or call: a final failure tries the next method.
    const form = await requireTwilio(c.env, c.req.raw);
    const status = (form.get("MessageStatus") ?? form.get("CallStatus") ?? "").toLowerCase();
    if (twilioFailures.has(status)) {
      const code = form.get("ErrorCode");
      const sid = form.get("MessageSid") ?? form.get("CallSid");
      await handleProviderFailure(c.env, c.req.param("delivery"), sid, `Twilio reports ${status}${code ? ` (error ${code})` : ""}`, new Date());
    }
    return c.body(null, 204);
  })
  .get("/api/admin/alerts", requireScope("reports:read"), async (c) => {
    const state = AlertStateQuery.safeParse(c.req.query("state") || undefined);
    if (!state.success) throw new ApiError("validation_failed", "state must be triggered, acknowledged, resolved or merged.", { fields: { state: "Unknown state." } });
    c.header("Cache-Control", "no-store");
    const alerts = await listAlerts(c.env.DB, { state: state.data as AlertState | undefined, limit: 100 });
    return c.json({ alerts: alerts.map((a) => alertBody(a)) });
  })
  .get("/api/admin/alerts/:id", requireScope("reports:read"), async (c) => {
    const details = await alertDetails(c.env, c.req.param("id"));
    if (!details) throw new ApiError("not_found", "No alert has this id.");
    c.header("Cache-Control", "no-store");
    return c.json({ alert: details });
  })
  .post("/api/admin/alerts/:id/ack", requireScope("reports:write"), async (c) => staffClose(c.env, c.req.param("id"), c.get("staff").name, "acknowledged"))
  .post("/api/admin/alerts/:id/resolve", requireScope("reports:write"), async (c) => staffClose(c.env, c.req.param("id"), c.get("staff").name, "resolved"));

async function staffClose(env: Env, id: string, actor: string, to: "acknowledged" | "resolved"): Promise<Response> {
  const now = new Date();
  const by = { actor, via: "staff api", extra: (alertId: string) => [auditStatement(env.DB, { actor, action: to === "acknowledged" ? "alert.acknowledge" : "alert.resolve", target: alertId, now })] };
  const outcome = to === "acknowledged" ? await acknowledgeAlert(env, id, by, now) : await resolveAlert(env, id, by, now);
  if (!outcome) throw new ApiError("not_found", "No alert has this id.");
  return Response.json({ alert: alertBody(outcome.alert), changed: outcome.changed }, { headers: { "cache-control": "no-store" } });
}

