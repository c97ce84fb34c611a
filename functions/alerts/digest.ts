// Digests: what on-call people hear about without being paged. While a policy's pager (its
// one unacknowledged alert) waits for a human, new alerts on that policy are held and told to
// the same people here; so are alerts above a person's hourly page ceiling, reports about a
// known incident, and reporters' repeated follow-ups. At most one digest per person per window
// (DIGEST_WINDOW_MINUTES, default 5): a storm of a thousand alerts is one message, not a
// thousand. Each alert stays separate and can be acknowledged on its own; the digest's link
// acknowledges all of its alerts still open at once.
import type { ContactMethod, EscalationPlan, PageTarget } from "../oncall/config";
import { siteConfig } from "../../site.config";
import type { Services } from "../platform/services";
import { signAckToken } from "./ack-token";
import { type DigestLine, digestText } from "./message.pure";
import {
  type Alert,
  type DigestItem,
  type DigestReason,
  addDigestItemStatement,
  claimDigestStatements,
  insertDeliveryStatement,
  lastDigestAt,
  listAlertsByIds,
  listDigestItems,
  listPeopleWithDueDigests,
} from "./queries";

export type DigestServices = Pick<Services, "db" | "queue" | "config">;

export const DIGEST_ID_PREFIX = "dg_";

function windowMs(svc: Pick<Services, "config">): number {
  return svc.config.paging.digestWindowMinutes * 60_000;
}

/** Channels that wake a person whatever the message: a digest must not become a page. */
const PAGING_ONLY: ReadonlySet<string> = new Set(["voice", "pagerduty"]);

/** A digest goes by every method that does not page by nature (voice calls and PagerDuty
 * only when the person has nothing else). */
export function digestMethods(methods: ContactMethod[]): Array<{ method: ContactMethod; index: number }> {
  const indexed = methods.map((method, index) => ({ method, index }));
  const quiet = indexed.filter((m) => !PAGING_ONLY.has(m.method.type));
  return quiet.length > 0 ? quiet : indexed;
}

/** The people of a plan up to a level, each once, with their contact methods. */
export function targetsUpTo(plan: EscalationPlan | null, level: number): PageTarget[] {
  const seen = new Map<string, PageTarget>();
  for (const l of plan?.levels.slice(0, Math.max(0, level) + 1) ?? []) for (const t of l.targets) if (!seen.has(t.personId)) seen.set(t.personId, t);
  return [...seen.values()];
}

/** Adds an alert to each person's next digest, then flushes those whose window has passed. */
export async function addToDigest(svc: DigestServices, people: PageTarget[], alertId: string, reason: DigestReason, now: Date): Promise<void> {
  if (people.length === 0) return;
  const iso = now.toISOString();
  await svc.db.batch(people.map((p) => addDigestItemStatement(svc.db, { personId: p.personId, personName: p.name, methods: p.contactMethods, alertId, reason, now: iso })));
  for (const p of people) {
    const last = await lastDigestAt(svc.db, p.personId);
    // Within the window the cron sweep sends it when the window has passed (<= 1 min late).
    if (!last || Date.parse(last) <= now.getTime() - windowMs(svc)) await svc.queue.dispatch({ type: "digest.flush", personId: p.personId });
  }
}

/**
 * Sends a person's digest if one is due: claims it (nothing sent to them within the window,
 * something waiting), takes every waiting item, and sends it by each of their quiet methods.
 * Returns the digest id, or null when none was due.
 */
export async function flushDigest(svc: DigestServices, personId: string, now: Date): Promise<string | null> {
  const digestId = `${DIGEST_ID_PREFIX}${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const iso = now.toISOString();
  const [claimed] = await svc.db.batch(claimDigestStatements(svc.db, digestId, personId, new Date(now.getTime() - windowMs(svc)).toISOString(), iso));
  if ((claimed?.meta.changes ?? 0) !== 1) return null;
  const items = await listDigestItems(svc.db, digestId);
  if (items.length === 0) return null;
  const latest = items.reduce((a, b) => (a.lastAt >= b.lastAt ? a : b));
  const rows = digestMethods(latest.methods).map(({ method, index }) => ({
    id: `${digestId}:${index}`,
    alertId: items[0]!.alertId,
    level: 0,
    round: 0,
    personId,
    personName: latest.personName,
    methodIndex: index,
    channel: method.type,
    target: method,
    purpose: "digest" as const,
  }));
  await svc.db.batch(rows.map((r) => insertDeliveryStatement(svc.db, r, now)));
  for (const r of rows) await svc.queue.dispatch({ type: "notification.send", deliveryId: r.id });
  return digestId;
}

/** The cron backstop: every person whose digest is waiting and whose window has passed. */
export async function flushDueDigests(svc: DigestServices, now: Date): Promise<number> {
  let sent = 0;
  for (const personId of await listPeopleWithDueDigests(svc.db, new Date(now.getTime() - windowMs(svc)).toISOString())) {
    if (await flushDigest(svc, personId, now)) sent++;
  }
  return sent;
}

export function digestIdOfDelivery(deliveryId: string): string | null {
  return deliveryId.startsWith(DIGEST_ID_PREFIX) ? deliveryId.split(":")[0]! : null;
}

/** The lines of a digest, each with its alert as it is now. */
export async function digestLines(db: D1Database, items: DigestItem[]): Promise<Array<DigestLine & { alert: Alert }>> {
  const alerts = new Map((await listAlertsByIds(db, [...new Set(items.map((i) => i.alertId))])).map((a) => [a.id, a]));
  return items.flatMap((i) => {
    const alert = alerts.get(i.alertId);
    if (!alert) return [];
    const open = alert.state === "triggered";
    return [{ alert, ackCode: alert.ackCode, title: alert.subject, reportCount: alert.reportCount, reason: i.reason, count: i.count, open }];
  });
}

/** The digest's message: its lines, and a signed link that acknowledges all its open alerts. */
export async function digestMessage(svc: Pick<Services, "db" | "config">, digestId: string, personId: string, now: Date) {
  const lines = await digestLines(svc.db, await listDigestItems(svc.db, digestId));
  const token = svc.config.ackSigningKey
    ? await signAckToken(svc.config.ackSigningKey, { alertId: digestId, personId, expiresAt: new Date(now.getTime() + svc.config.ackLinkTtlHours * 3_600_000) })
    : "";
  const ackUrl = token ? `${svc.config.publicUrl}/ack/${token}` : `${svc.config.publicUrl}/admin`;
  const open = lines.filter((l) => l.open).length;
  return {
    lines,
    ackUrl,
    ackToken: token,
    title: `DIGEST: ${lines.length} item${lines.length === 1 ? "" : "s"} (${open} open)`,
    text: digestText(siteConfig.name, lines, ackUrl),
  };
}
