// Storage of subscribers, their chosen components, their deliveries and what the subscribe
// form sent. Small functions taking the binding first, `?1` placeholders, rows mapped to types.
import type { SubscriberChannel } from "../../contract/jobs";

export type SubscriberState = "pending" | "active" | "unsubscribed";

export interface Subscriber {
  id: string;
  channel: SubscriberChannel;
  target: string;
  state: SubscriberState;
  allComponents: boolean;
  confirmTokenHash: string | null;
  confirmExpiresAt: string | null;
  secret: string | null;
  createdAt: string;
  confirmedAt: string | null;
  unsubscribedAt: string | null;
  unsubscribeReason: string | null;
  hardBounces: number;
  softBounces: number;
  permanentFailures: number;
}

interface SubscriberRow {
  id: string;
  channel: SubscriberChannel;
  target: string;
  state: SubscriberState;
  all_components: number;
  confirm_token_hash: string | null;
  confirm_expires_at: string | null;
  secret: string | null;
  created_at: string;
  confirmed_at: string | null;
  unsubscribed_at: string | null;
  unsubscribe_reason: string | null;
  hard_bounces: number;
  soft_bounces: number;
  permanent_failures: number;
}

const toSubscriber = (r: SubscriberRow): Subscriber => ({
  id: r.id,
  channel: r.channel,
  target: r.target,
  state: r.state,
  allComponents: r.all_components === 1,
  confirmTokenHash: r.confirm_token_hash,
  confirmExpiresAt: r.confirm_expires_at,
  secret: r.secret,
  createdAt: r.created_at,
  confirmedAt: r.confirmed_at,
  unsubscribedAt: r.unsubscribed_at,
  unsubscribeReason: r.unsubscribe_reason,
  hardBounces: r.hard_bounces,
  softBounces: r.soft_bounces,
  permanentFailures: r.permanent_failures,
});

export async function findSubscriber(db: D1Database, id: string): Promise<Subscriber | null> {
  const row = await db.prepare("SELECT * FROM subscribers WHERE id = ?1").bind(id).first<SubscriberRow>();
  return row ? toSubscriber(row) : null;
}

export async function findSubscriberByTarget(db: D1Database, channel: SubscriberChannel, target: string): Promise<Subscriber | null> {
  const row = await db.prepare("SELECT * FROM subscribers WHERE channel = ?1 AND target = ?2").bind(channel, target).first<SubscriberRow>();
  return row ? toSubscriber(row) : null;
}

export async function componentsOf(db: D1Database, subscriberId: string): Promise<string[]> {
  const { results } = await db.prepare("SELECT component_id FROM subscriber_components WHERE subscriber_id = ?1 ORDER BY component_id").bind(subscriberId).all<{ component_id: string }>();
  return results.map((r) => r.component_id);
}

/** The chosen components, replaced as a whole (none means all of them). */
export function replaceComponentsStatements(db: D1Database, subscriberId: string, componentIds: readonly string[]): D1PreparedStatement[] {
  return [
    db.prepare("DELETE FROM subscriber_components WHERE subscriber_id = ?1").bind(subscriberId),
    ...(componentIds.length > 0
      ? [
          db
            .prepare("INSERT OR IGNORE INTO subscriber_components (subscriber_id, component_id) SELECT ?1, value FROM json_each(?2)")
            .bind(subscriberId, JSON.stringify(componentIds)),
        ]
      : []),
  ];
}

/**
 * A subscription waiting for its confirmation (new, or again after an unsubscribe): one row per
 * channel and target, its link replaced by the new one. An active subscription is left alone
 * (null). Returns the row's id, which is the existing one when there was a row.
 */
export async function upsertPending(
  db: D1Database,
  s: { id: string; channel: SubscriberChannel; target: string; allComponents: boolean; tokenHash: string; expiresAt: string; clientHash: string | null; now: string },
): Promise<string | null> {
  const row = await db
    .prepare(
      `INSERT INTO subscribers (id, channel, target, state, all_components, confirm_token_hash, confirm_expires_at, client_hash, created_at)
       VALUES (?1, ?2, ?3, 'pending', ?4, ?5, ?6, ?7, ?8)
       ON CONFLICT (channel, target) DO UPDATE SET state = 'pending', all_components = ?4, confirm_token_hash = ?5, confirm_expires_at = ?6,
         client_hash = ?7, unsubscribed_at = NULL, unsubscribe_reason = NULL
       WHERE subscribers.state <> 'active'
       RETURNING id`,
    )
    .bind(s.id, s.channel, s.target, s.allComponents ? 1 : 0, s.tokenHash, s.expiresAt, s.clientHash, s.now)
    .first<{ id: string }>();
  return row?.id ?? null;
}

/** An active subscription (a verified webhook, or an email subscriber staff added); its id. */
export async function upsertActive(
  db: D1Database,
  s: { id: string; channel: SubscriberChannel; target: string; allComponents: boolean; secret: string | null; clientHash: string | null; now: string },
): Promise<string> {
  const row = await db
    .prepare(
      `INSERT INTO subscribers (id, channel, target, state, all_components, secret, client_hash, created_at, confirmed_at)
       VALUES (?1, ?2, ?3, 'active', ?4, ?5, ?6, ?7, ?7)
       ON CONFLICT (channel, target) DO UPDATE SET state = 'active', all_components = ?4, secret = COALESCE(?5, secret), client_hash = ?6,
         confirmed_at = ?7, confirm_token_hash = NULL, confirm_expires_at = NULL, unsubscribed_at = NULL, unsubscribe_reason = NULL,
         hard_bounces = 0, soft_bounces = 0, permanent_failures = 0
       RETURNING id`,
    )
    .bind(s.id, s.channel, s.target, s.allComponents ? 1 : 0, s.secret, s.clientHash, s.now)
    .first<{ id: string }>();
  return row!.id;
}

/** Confirms a pending subscription whose link has not expired; true when this call did it. */
export async function confirmSubscriber(db: D1Database, id: string, now: string): Promise<boolean> {
  const res = await db
    .prepare(
      `UPDATE subscribers SET state = 'active', confirmed_at = ?2, confirm_token_hash = NULL, confirm_expires_at = NULL
       WHERE id = ?1 AND state = 'pending' AND confirm_expires_at > ?2`,
    )
    .bind(id, now)
    .run();
  return res.meta.changes === 1;
}

/** Ends a subscription (pending or active); true when it was not ended already. */
export function unsubscribeStatement(db: D1Database, id: string, reason: string, now: string): D1PreparedStatement {
  return db
    .prepare(
      "UPDATE subscribers SET state = 'unsubscribed', unsubscribed_at = ?3, unsubscribe_reason = ?2, confirm_token_hash = NULL, confirm_expires_at = NULL WHERE id = ?1 AND state <> 'unsubscribed'",
    )
    .bind(id, reason, now);
}

export async function unsubscribe(db: D1Database, id: string, reason: string, now: string): Promise<boolean> {
  return (await unsubscribeStatement(db, id, reason, now).run()).meta.changes === 1;
}

// ---- what the form made us send (caps) -----------------------------------------------------

export async function countSubscriptionSends(db: D1Database, targetHash: string, clientHash: string | null, since: string): Promise<{ target: number; client: number }> {
  const row = await db
    .prepare(
      `SELECT (SELECT COUNT(*) FROM subscription_sends WHERE address_hash = ?1 AND sent_at >= ?3) AS target,
              (SELECT COUNT(*) FROM subscription_sends WHERE ?2 IS NOT NULL AND client_hash = ?2 AND sent_at >= ?3) AS client`,
    )
    .bind(targetHash, clientHash, since)
    .first<{ target: number; client: number }>();
  return { target: row?.target ?? 0, client: row?.client ?? 0 };
}

export function recordSubscriptionSendStatement(db: D1Database, targetHash: string, clientHash: string | null, now: string): D1PreparedStatement {
  return db.prepare("INSERT INTO subscription_sends (address_hash, client_hash, sent_at) VALUES (?1, ?2, ?3)").bind(targetHash, clientHash, now);
}

// ---- the audience of an event --------------------------------------------------------------

export interface AudienceMember {
  id: string;
  channel: SubscriberChannel;
}

/**
 * Active subscribers to tell, in id order. `components` null: everyone. Otherwise those who
 * chose all components (unless `chosenOnly`) and those who chose one of `components`.
 */
export async function listAudience(db: D1Database, components: readonly string[] | null, chosenOnly: boolean): Promise<AudienceMember[]> {
  if (components === null) {
    const { results } = await db.prepare("SELECT id, channel FROM subscribers WHERE state = 'active' ORDER BY id").all<AudienceMember>();
    return results;
  }
  const { results } = await db
    .prepare(
      `SELECT id, channel FROM subscribers s WHERE s.state = 'active' AND (
         (?2 = 0 AND s.all_components = 1)
         OR (s.all_components = 0 AND EXISTS (SELECT 1 FROM subscriber_components sc
               WHERE sc.subscriber_id = s.id AND sc.component_id IN (SELECT value FROM json_each(?1)))))
       ORDER BY id`,
    )
    .bind(JSON.stringify(components), chosenOnly ? 1 : 0)
    .all<AudienceMember>();
  return results;
}

/** The subscribers of a delivery job that are still active (an unsubscribe since stops them). */
export async function activeSubscribersIn(db: D1Database, ids: readonly string[]): Promise<Subscriber[]> {
  const { results } = await db
    .prepare("SELECT * FROM subscribers WHERE id IN (SELECT value FROM json_each(?1)) AND state = 'active' ORDER BY id")
    .bind(JSON.stringify(ids))
    .all<SubscriberRow>();
  return results.map(toSubscriber);
}

// ---- deliveries ----------------------------------------------------------------------------

/**
 * Claims the sends of `ids` for one update: a new row, a failed one, or one claimed so long
 * ago (`staleBefore`) that its invocation must have died. Rows sent, dropped, or being sent by
 * another run are not returned: a repeated queue delivery sends nothing twice.
 */
export async function claimDeliveries(
  db: D1Database,
  p: { ids: readonly string[]; updateId: string; eventId: string; now: string; staleBefore: string },
): Promise<Set<string>> {
  const { results } = await db
    .prepare(
      `INSERT INTO subscriber_deliveries (subscriber_id, update_id, event_id, state, attempts, claimed_at)
       SELECT value, ?2, ?3, 'sending', 1, ?4 FROM json_each(?1) WHERE true
       ON CONFLICT (subscriber_id, update_id) DO UPDATE SET state = 'sending', attempts = attempts + 1, claimed_at = ?4
         WHERE subscriber_deliveries.state = 'failed' OR (subscriber_deliveries.state = 'sending' AND subscriber_deliveries.claimed_at < ?5)
       RETURNING subscriber_id`,
    )
    .bind(JSON.stringify(p.ids), p.updateId, p.eventId, p.now, p.staleBefore)
    .all<{ subscriber_id: string }>();
  return new Set(results.map((r) => r.subscriber_id));
}

export type DeliveryOutcome = { subscriberId: string; outcome: "sent" } | { subscriberId: string; outcome: "failed" | "dropped"; error: string };

/**
 * What happened to each claimed send, in one batch: the delivery rows, and each subscriber's
 * run of permanent failures (reset by a send that worked). A subscriber reaching
 * `unsubscribeAfter` permanent failures in a row is unsubscribed ("failing").
 */
export function deliveryOutcomeStatements(db: D1Database, p: { updateId: string; outcomes: readonly DeliveryOutcome[]; now: string; unsubscribeAfter: number }): D1PreparedStatement[] {
  const out: D1PreparedStatement[] = [];
  const sent = p.outcomes.filter((o) => o.outcome === "sent").map((o) => o.subscriberId);
  if (sent.length > 0) {
    const ids = JSON.stringify(sent);
    out.push(
      db
        .prepare("UPDATE subscriber_deliveries SET state = 'sent', sent_at = ?3, last_error = NULL WHERE update_id = ?2 AND subscriber_id IN (SELECT value FROM json_each(?1))")
        .bind(ids, p.updateId, p.now),
      db.prepare("UPDATE subscribers SET permanent_failures = 0 WHERE permanent_failures > 0 AND id IN (SELECT value FROM json_each(?1))").bind(ids),
    );
  }
  for (const o of p.outcomes) {
    if (o.outcome === "sent") continue;
    out.push(
      db
        .prepare("UPDATE subscriber_deliveries SET state = ?3, last_error = ?4 WHERE subscriber_id = ?1 AND update_id = ?2")
        .bind(o.subscriberId, p.updateId, o.outcome, o.error.slice(0, 500)),
    );
    if (o.outcome === "dropped") {
      out.push(
        db.prepare("UPDATE subscribers SET permanent_failures = permanent_failures + 1 WHERE id = ?1").bind(o.subscriberId),
        db
          .prepare(
            "UPDATE subscribers SET state = 'unsubscribed', unsubscribed_at = ?2, unsubscribe_reason = 'failing' WHERE id = ?1 AND state = 'active' AND permanent_failures >= ?3",
          )
          .bind(o.subscriberId, p.now, p.unsubscribeAfter),
      );
    }
  }
  return out;
}

export async function deliveriesOfUpdate(db: D1Database, updateId: string): Promise<Array<{ subscriberId: string; state: string; attempts: number; lastError: string | null }>> {
  const { results } = await db
    .prepare("SELECT subscriber_id, state, attempts, last_error FROM subscriber_deliveries WHERE update_id = ?1 ORDER BY subscriber_id")
    .bind(updateId)
    .all<{ subscriber_id: string; state: string; attempts: number; last_error: string | null }>();
  return results.map((r) => ({ subscriberId: r.subscriber_id, state: r.state, attempts: r.attempts, lastError: r.last_error }));
}

/** How far the sends of one update have got: counts by state, and the first and last send. */
export async function deliveryProgress(db: D1Database, updateId: string): Promise<{ states: Record<string, number>; first_sent_at: string | null; last_sent_at: string | null }> {
  const [byState, times] = await db.batch([
    db.prepare("SELECT state, COUNT(*) AS n FROM subscriber_deliveries WHERE update_id = ?1 GROUP BY state").bind(updateId),
    db.prepare("SELECT MIN(sent_at) AS first, MAX(sent_at) AS last FROM subscriber_deliveries WHERE update_id = ?1 AND state = 'sent'").bind(updateId),
  ]);
  const t = (times!.results[0] ?? {}) as { first?: string | null; last?: string | null };
  return {
    states: Object.fromEntries((byState!.results as Array<{ state: string; n: number }>).map((r) => [r.state, r.n])),
    first_sent_at: t.first ?? null,
    last_sent_at: t.last ?? null,
  };
}

// ---- bounces -------------------------------------------------------------------------------

/** Counts a bounce against every email subscription of the address; returns them as they are now. */
export async function recordBounce(db: D1Database, address: string, kind: "hard" | "soft", now: string): Promise<Subscriber[]> {
  const column = kind === "hard" ? "hard_bounces" : "soft_bounces";
  const { results } = await db
    .prepare(`UPDATE subscribers SET ${column} = ${column} + 1, last_bounce_at = ?2 WHERE channel = 'email' AND target = ?1 RETURNING *`)
    .bind(address, now)
    .all<SubscriberRow>();
  return results.map(toSubscriber);
}

// ---- the staff view ------------------------------------------------------------------------

export async function countSubscribers(db: D1Database): Promise<Array<{ channel: SubscriberChannel; state: SubscriberState; n: number }>> {
  const { results } = await db
    .prepare("SELECT channel, state, COUNT(*) AS n FROM subscribers GROUP BY channel, state ORDER BY channel, state")
    .all<{ channel: SubscriberChannel; state: SubscriberState; n: number }>();
  return results;
}

export async function listSubscribers(
  db: D1Database,
  f: { channel?: SubscriberChannel; state?: SubscriberState; after?: string; limit: number },
): Promise<Array<Subscriber & { components: string[] }>> {
  const { results } = await db
    .prepare(
      `SELECT s.*, (SELECT json_group_array(component_id) FROM subscriber_components WHERE subscriber_id = s.id) AS components
       FROM subscribers s WHERE (?1 IS NULL OR channel = ?1) AND (?2 IS NULL OR state = ?2) AND (?3 IS NULL OR id > ?3)
       ORDER BY id LIMIT ?4`,
    )
    .bind(f.channel ?? null, f.state ?? null, f.after ?? null, f.limit)
    .all<SubscriberRow & { components: string }>();
  return results.map((r) => ({ ...toSubscriber(r), components: JSON.parse(r.components) as string[] }));
}

/**
 * Email subscribers staff add as already confirmed (an export from the status page used
 * before), in one statement for the whole list. An address we already have is left as it is:
 * above all, one that unsubscribed here stays unsubscribed. Returns the ids added.
 */
export async function addConfirmedEmailSubscribers(
  db: D1Database,
  rows: ReadonlyArray<{ id: string; email: string; components: readonly string[] }>,
  now: string,
): Promise<string[]> {
  const list = JSON.stringify(rows.map((r) => ({ id: r.id, email: r.email, all: r.components.length === 0 ? 1 : 0, components: r.components })));
  const { results } = await db
    .prepare(
      `INSERT INTO subscribers (id, channel, target, state, all_components, created_at, confirmed_at)
       SELECT json_extract(value, '$.id'), 'email', json_extract(value, '$.email'), 'active', json_extract(value, '$.all'), ?2, ?2 FROM json_each(?1) WHERE true
       ON CONFLICT (channel, target) DO NOTHING
       RETURNING id`,
    )
    .bind(list, now)
    .all<{ id: string }>();
  const added = results.map((r) => r.id);
  if (added.length > 0) {
    await db
      .prepare(
        `INSERT OR IGNORE INTO subscriber_components (subscriber_id, component_id)
         SELECT json_extract(r.value, '$.id'), c.value FROM json_each(?1) r, json_each(json_extract(r.value, '$.components')) c
         WHERE json_extract(r.value, '$.id') IN (SELECT value FROM json_each(?2))`,
      )
      .bind(list, JSON.stringify(added))
      .run();
  }
  return added;
}
