// Acknowledgement links in pages:
//   GET  /ack/{token}   confirmation page (never acknowledges: scanners and previews GET)
//   POST /ack/{token}   acknowledges (the page's form; ntfy's action button; Pushover's callback)
import { Hono } from "hono";
import { siteConfig } from "../../site.config";
import { ApiError } from "../platform/errors";
import type { Services } from "../platform/services";
import { fetchShell, liveResponse, setText } from "../platform/shell";
import type { AppEnv } from "../platform/types";
import { verifyAckToken } from "./ack-token";
import { DIGEST_ID_PREFIX, digestLines } from "./digest";
import { acknowledgeAlert } from "./lifecycle";
import { componentName, findAlert, listDigestItems, pagedPersonName, type Alert } from "./queries";

async function verifiedClaim(svc: Pick<Services, "config">, token: string, now: Date) {
  const check = await verifyAckToken(svc.config.ackSigningKey, token, now);
  if (!check.ok) {
    throw new ApiError(
      "not_found",
      check.reason === "expired"
        ? "This acknowledgement link has expired. Acknowledge from a newer page, or reply 4 to the SMS."
        : "This acknowledgement link is not valid. Check that the whole link was copied.",
    );
  }
  return check.claim;
}

export async function claimFromToken(svc: Pick<Services, "db" | "config">, token: string, now: Date) {
  const check = { claim: await verifiedClaim(svc, token, now) };
  const alert = await findAlert(svc.db, check.claim.alertId);
  if (!alert) throw new ApiError("not_found", "This alert no longer exists.");
  return { claim: check.claim, alert };
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

const ackApps: Record<string, string> = { ntfy: "ntfy action", pushover: "Pushover app" };

/** The alerts a digest's link covers, as they are now. */
async function digestAlerts(db: D1Database, digestId: string) {
  const lines = await digestLines(db, await listDigestItems(db, digestId));
  if (lines.length === 0) throw new ApiError("not_found", "This digest no longer exists.");
  return lines;
}

function headers(res: Response): Response {
  // The link is a credential: keep it out of indexes and referrers.
  res.headers.set("x-robots-tag", "noindex, nofollow");
  res.headers.set("referrer-policy", "no-referrer");
  return res;
}

export const ackRoutes = new Hono<AppEnv>()
  .get("/ack/:token", async (c) => {
    const svc = c.get("services");
    const claim = await verifiedClaim(svc, c.req.param("token"), new Date());
    if (claim.alertId.startsWith(DIGEST_ID_PREFIX)) {
      // A digest's link: one tap acknowledges every alert of the digest still open.
      const lines = await digestAlerts(svc.db, claim.alertId);
      const open = lines.filter((l) => l.open);
      const shell = await fetchShell(c.env, c.req.url, "/ack");
      let rw = new HTMLRewriter();
      rw = setText(rw, "[data-slot=ack-title]", open.length > 0 ? `Acknowledge ${open.length} open alert${open.length === 1 ? "" : "s"}?` : "Nothing left to acknowledge");
      rw = setText(rw, "[data-slot=ack-state]", open.length > 0 ? "These alerts were told to you in a digest. Each is still open." : "Every alert of this digest has been acknowledged or resolved.");
      rw = setText(rw, "[data-slot=ack-what]", lines.map((l) => `${l.ackCode} ${l.title}${l.open ? "" : " (closed)"}`).join("; "));
      rw = setText(rw, "[data-slot=ack-count]", String(lines.reduce((n, l) => n + l.reportCount, 0)));
      rw = setText(rw, "[data-slot=ack-created]", formatTime(lines[0]!.alert.createdAt));
      rw = setText(rw, "[data-slot=ack-code]", "digest");
      rw = setText(rw, "[data-slot=ack-first]", lines[0]!.alert.firstText || "No text.");
      if (open.length === 0) rw = rw.on("[data-slot=ack-form]", { element: (el) => void el.remove() });
      return headers(liveResponse(rw.transform(shell), 200, "no-store"));
    }
    const { alert } = await claimFromToken(svc, c.req.param("token"), new Date());
    const shell = await fetchShell(c.env, c.req.url, "/ack");
    const component = await componentName(svc.db, alert.componentId);
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
    return headers(liveResponse(rewriter.transform(shell), 200, "no-store"));
  })
  .post("/ack/:token", async (c) => {
    const svc = c.get("services");
    const token = c.req.param("token");
    const now = new Date();
    // Apps acknowledge by POSTing the same link (ntfy's action button, Pushover's callback when
    // the emergency notification is acknowledged in the app); ?via= only labels the timeline.
    const app = ackApps[c.req.query("via") ?? ""];
    const accept = c.req.header("accept") ?? "";
    const claim = await verifiedClaim(svc, token, now);
    if (claim.alertId.startsWith(DIGEST_ID_PREFIX)) {
      const lines = await digestAlerts(svc.db, claim.alertId);
      const name = (await pagedPersonName(svc.db, lines[0]!.alert.id, claim.personId)) ?? claim.personId;
      const acknowledged: string[] = [];
      for (const l of lines.filter((x) => x.open)) {
        const outcome = await acknowledgeAlert(svc, l.alert.id, { actor: name, via: `${app ?? "acknowledgement link"} (digest)`, personId: claim.personId }, now);
        if (outcome?.changed) acknowledged.push(outcome.alert.id);
      }
      if (app || (accept.includes("application/json") && !accept.includes("text/html"))) return c.json({ digest: claim.alertId, acknowledged_now: acknowledged });
      return c.redirect(`/ack/${token}`, 303);
    }
    const { alert } = await claimFromToken(svc, token, now);
    const name = (await pagedPersonName(svc.db, alert.id, claim.personId)) ?? claim.personId;
    const outcome = await acknowledgeAlert(svc, alert.id, { actor: name, via: app ?? "acknowledgement link", personId: claim.personId }, now);
    if (app || (accept.includes("application/json") && !accept.includes("text/html"))) {
      return c.json({ alert: outcome!.alert.id, state: outcome!.alert.state, acknowledged_now: outcome!.changed, acknowledged_by: outcome!.alert.acknowledgedBy });
    }
    // Post/redirect/get: the confirmation page then shows who acknowledged, and a reload
    // does not post again.
    return c.redirect(`/ack/${token}`, 303);
  });
