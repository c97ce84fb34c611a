// Storage of the social room (migrations/0010_social.sql): stream cursors, what arrived
// (deduplicated by network and message id), what we post, billable usage, and sessions. It also
// reads the status capability's incident_updates (to post staff updates) and the reports'
// state (to decide follow-ups): narrow, read-only queries. Small functions taking the binding
// first, `?1` placeholders, rows mapped to domain types.
import type { InboundMessage, NetworkName } from "./message.pure";
import type { FollowUpScope } from "./rules.pure";
import { monthOf, usageMetrics, type Usage } from "./spend.pure";

// ---- cursors -----------------------------------------------------------------------------

export interface StreamRow {
  cursor: string | null;
  walk: string | null;
  nextPollAt: string | null;
  failures: number;
  lastPolledAt: string | null;
  lastError: string | null;
}

export async function readStream(db: D1Database, network: NetworkName, stream: string): Promise<StreamRow | null> {
  const row = await db
    .prepare("SELECT cursor, walk, next_poll_at, failures, last_polled_at, last_error FROM social_cursors WHERE network = ?1 AND stream = ?2")
    .bind(network, stream)
    .first<{ cursor: string | null; walk: string | null; next_poll_at: string | null; failures: number; last_polled_at: string | null; last_error: string | null }>();
  return row
    ? { cursor: row.cursor, walk: row.walk, nextPollAt: row.next_poll_at, failures: row.failures, lastPolledAt: row.last_polled_at, lastError: row.last_error }
    : null;
}

export async function listStreams(db: D1Database, network: NetworkName): Promise<Array<StreamRow & { stream: string }>> {
  const { results } = await db
    .prepare("SELECT stream, cursor, walk, next_poll_at, failures, last_polled_at, last_error FROM social_cursors WHERE network = ?1 ORDER BY stream")
    .bind(network)
    .all<{ stream: string; cursor: string | null; walk: string | null; next_poll_at: string | null; failures: number; last_polled_at: string | null; last_error: string | null }>();
  return results.map((r) => ({
    stream: r.stream,
    cursor: r.cursor,
    walk: r.walk,
    nextPollAt: r.next_poll_at,
    failures: r.failures,
    lastPolledAt: r.last_polled_at,
    lastError: r.last_error,
  }));
}

/** A page is stored: the stream moves on (in the same batch as the page's messages). */
export function saveStreamStatement(
  db: D1Database,
  s: { network: NetworkName; stream: string; cursor: string | null; walk: string | null; nextPollAt: string | null; now: string },
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO social_cursors (network, stream, cursor, walk, next_poll_at, failures, last_polled_at, last_error, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, NULL, ?6)
       ON CONFLICT (network, stream) DO UPDATE SET cursor = excluded.cursor, walk = excluded.walk, next_poll_at = excluded.next_poll_at,
         failures = 0, last_polled_at = excluded.last_polled_at, last_error = NULL, updated_at = excluded.updated_at`,
    )
    .bind(s.network, s.stream, s.cursor, s.walk, s.nextPollAt, s.now);
}

/** A poll failed: the cursor stays where it was; the next poll waits until `nextPollAt`. */
export async function recordStreamFailure(
  db: D1Database,
  s: { network: NetworkName; stream: string; nextPollAt: string; error: string; now: string },
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO social_cursors (network, stream, next_poll_at, failures, last_polled_at, last_error, updated_at)
       VALUES (?1, ?2, ?3, 1, ?5, ?4, ?5)
       ON CONFLICT (network, stream) DO UPDATE SET next_poll_at = excluded.next_poll_at, failures = social_cursors.failures + 1,
         last_polled_at = excluded.last_polled_at, last_error = excluded.last_error, updated_at = excluded.updated_at`,
    )
    .bind(s.network, s.stream, s.nextPollAt, s.error.slice(0, 1000), s.now)
    .run();
}

// ---- inbound -----------------------------------------------------------------------------

/** Stores an arrived message once; RETURNING names it only when it is new. */
export function insertInboundStatement(db: D1Database, network: NetworkName, msg: InboundMessage, via: "poll" | "webhook", now: string): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO social_inbound (network, message_id, kind, author_id, conversation_id, in_reply_to_id, message, received_via, received_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
       ON CONFLICT (network, message_id) DO NOTHING RETURNING message_id`,
    )
    .bind(network, msg.id, msg.kind, msg.authorId, msg.conversationId, msg.inReplyToId, JSON.stringify(msg), via, now);
}

export interface PendingInbound {
  network: NetworkName;
  messageId: string;
  message: string;
  receivedVia: "poll" | "webhook";
  receivedAt: string;
}

/**
 * Claims up to `limit` pending messages, oldest first (a lease: a claim older than `staleBefore`
 * was a handler that died, and is taken over).
 */
export async function claimPendingInbound(db: D1Database, network: NetworkName, now: string, staleBefore: string, limit: number): Promise<PendingInbound[]> {
  const { results } = await db
    .prepare(
      `UPDATE social_inbound SET claimed_at = ?2
       WHERE rowid IN (SELECT rowid FROM social_inbound WHERE network = ?1 AND state = 'pending' AND (claimed_at IS NULL OR claimed_at < ?3)
                       ORDER BY received_at, message_id LIMIT ?4)
       RETURNING network, message_id, message, received_via, received_at`,
    )
    .bind(network, now, staleBefore, limit)
    .all<{ network: NetworkName; message_id: string; message: string; received_via: "poll" | "webhook"; received_at: string }>();
  // Handled in the order they were written (a follow-up after the report it follows), which
  // is the order they arrived in, then their own time, then their id.
  const key = (r: { received_at: string; message: string; message_id: string }) => {
    const createdAt = (/"createdAt":"([^"]+)"/.exec(r.message)?.[1] ?? "").padEnd(30);
    return `${r.received_at}|${createdAt}|${r.message_id.padStart(40, "0")}`;
  };
  return results
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
    .map((r) => ({ network: r.network, messageId: r.message_id, message: r.message, receivedVia: r.received_via, receivedAt: r.received_at }));
}

export async function countPendingInbound(db: D1Database, network: NetworkName, staleBefore: string): Promise<number> {
  const row = await db
    .prepare("SELECT COUNT(*) AS n FROM social_inbound WHERE network = ?1 AND state = 'pending' AND (claimed_at IS NULL OR claimed_at < ?2)")
    .bind(network, staleBefore)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

export function markInboundDoneStatement(
  db: D1Database,
  m: { network: NetworkName; messageId: string; outcome: string; reportId: string | null; now: string },
): D1PreparedStatement {
  return db
    .prepare("UPDATE social_inbound SET state = 'done', outcome = ?3, report_id = ?4, handled_at = ?5, claimed_at = NULL WHERE network = ?1 AND message_id = ?2")
    .bind(m.network, m.messageId, m.outcome.slice(0, 300), m.reportId, m.now);
}

/** Gives a claimed message back (it is tried again later, e.g. when intake could not store it). */
export async function releaseInbound(db: D1Database, network: NetworkName, messageId: string, error: string): Promise<void> {
  await db
    .prepare("UPDATE social_inbound SET claimed_at = NULL, outcome = ?3 WHERE network = ?1 AND message_id = ?2 AND state = 'pending'")
    .bind(network, messageId, `retrying: ${error}`.slice(0, 300))
    .run();
}

/**
 * What deciding a message needs from storage, in one round trip: the open report it adds to
 * (rules.pure.ts, `followUpScope`; newest first), and the open incident whose update thread it
 * answers (its conversation, or the post it replies to, is one of our update posts: a report
 * about a known incident).
 */
export async function lookupForMessage(
  db: D1Database,
  scope: FollowUpScope,
  threadIds: readonly string[],
): Promise<{ followUpReportId: string | null; incidentId: string | null }> {
  const [followUp, incident] = await db.batch<{ id?: string; incident_id?: string }>([
    db
      .prepare(
        `SELECT r.id FROM social_inbound i JOIN reports r ON r.id = i.report_id
         WHERE i.network = ?1 AND i.author_id = ?2 AND i.outcome LIKE 'report %' AND r.state IN ('new','acknowledged')
           AND ((?3 IS NOT NULL AND r.created_at >= ?3)
             OR (?4 IS NOT NULL AND i.conversation_id = ?4)
             OR (?5 IS NOT NULL AND (i.message_id = ?5
                   OR EXISTS (SELECT 1 FROM social_posts p WHERE p.network = ?1 AND p.remote_id = ?5 AND p.report_id = r.id))))
         ORDER BY r.created_at DESC LIMIT 1`,
      )
      .bind(scope.network, scope.authorId, scope.directSince, scope.conversationId, scope.inReplyToId),
    db
      .prepare(
        `SELECT p.incident_id FROM social_posts p JOIN incidents i ON i.id = p.incident_id
         WHERE p.network = ?1 AND p.kind = 'update' AND p.remote_id IN (SELECT value FROM json_each(?2))
           AND i.kind = 'incident' AND i.status NOT IN ('resolved','postmortem')
         LIMIT 1`,
      )
      .bind(scope.network, JSON.stringify(threadIds.filter((v) => v !== ""))),
  ]);
  return { followUpReportId: followUp!.results[0]?.id ?? null, incidentId: incident!.results[0]?.incident_id ?? null };
}

// ---- posts -------------------------------------------------------------------------------

export type PostKind = "reply" | "private" | "update";
export type PostState = "queued" | "sending" | "sent" | "failed" | "skipped";

export interface SocialPost {
  id: string;
  network: NetworkName;
  kind: PostKind;
  body: string;
  hasLink: boolean;
  optional: boolean;
  replyTo: string | null;
  replyRef: Record<string, unknown> | null;
  recipientId: string | null;
  recipientHandle: string | null;
  threadKey: string | null;
  seq: number;
  reportId: string | null;
  incidentId: string | null;
  incidentUpdateId: string | null;
  state: PostState;
  attempts: number;
  nextAttemptAt: string | null;
  remoteId: string | null;
  remoteRef: string | null;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

interface PostRow {
  id: string;
  network: NetworkName;
  kind: PostKind;
  body: string;
  has_link: number;
  optional: number;
  reply_to: string | null;
  reply_ref: string | null;
  recipient_id: string | null;
  recipient_handle: string | null;
  thread_key: string | null;
  seq: number;
  report_id: string | null;
  incident_id: string | null;
  incident_update_id: string | null;
  state: PostState;
  attempts: number;
  next_attempt_at: string | null;
  remote_id: string | null;
  remote_ref: string | null;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
}

function toPost(r: PostRow): SocialPost {
  return {
    id: r.id,
    network: r.network,
    kind: r.kind,
    body: r.body,
    hasLink: r.has_link === 1,
    optional: r.optional === 1,
    replyTo: r.reply_to,
    replyRef: r.reply_ref ? (JSON.parse(r.reply_ref) as Record<string, unknown>) : null,
    recipientId: r.recipient_id,
    recipientHandle: r.recipient_handle,
    threadKey: r.thread_key,
    seq: r.seq,
    reportId: r.report_id,
    incidentId: r.incident_id,
    incidentUpdateId: r.incident_update_id,
    state: r.state,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    remoteId: r.remote_id,
    remoteRef: r.remote_ref,
    lastError: r.last_error,
    createdAt: r.created_at,
    sentAt: r.sent_at,
  };
}

export type NewPost = Pick<SocialPost, "id" | "network" | "kind" | "body" | "hasLink" | "optional"> &
  Partial<Pick<SocialPost, "replyTo" | "replyRef" | "recipientId" | "recipientHandle" | "threadKey" | "seq" | "reportId" | "incidentId" | "incidentUpdateId" | "lastError">> & {
    state?: "queued" | "skipped";
    createdAt: string;
  };

/** Queues a post once: its id is the deduplication key. */
export function insertPostStatement(db: D1Database, p: NewPost): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO social_posts (id, network, kind, body, has_link, optional, reply_to, reply_ref, recipient_id, recipient_handle, thread_key, seq,
         report_id, incident_id, incident_update_id, state, last_error, created_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
       ON CONFLICT (id) DO NOTHING`,
    )
    .bind(
      p.id,
      p.network,
      p.kind,
      p.body,
      p.hasLink ? 1 : 0,
      p.optional ? 1 : 0,
      p.replyTo ?? null,
      p.replyRef ? JSON.stringify(p.replyRef) : null,
      p.recipientId ?? null,
      p.recipientHandle ?? null,
      p.threadKey ?? null,
      p.seq ?? 0,
      p.reportId ?? null,
      p.incidentId ?? null,
      p.incidentUpdateId ?? null,
      p.state ?? "queued",
      p.lastError ?? null,
      p.createdAt,
    );
}

/**
 * Public replies queued or sent (not skipped) since `since`, how many carried a link, and whom
 * they answered: the hourly ceilings and "one public reply per person an hour" count these.
 */
export async function recentReplies(db: D1Database, network: NetworkName, since: string): Promise<{ replies: number; linked: number; authors: Set<string> }> {
  const { results } = await db
    .prepare("SELECT recipient_id, has_link FROM social_posts WHERE network = ?1 AND kind = 'reply' AND state != 'skipped' AND created_at >= ?2")
    .bind(network, since)
    .all<{ recipient_id: string | null; has_link: number }>();
  return {
    replies: results.length,
    linked: results.filter((r) => r.has_link === 1).length,
    authors: new Set(results.flatMap((r) => (r.recipient_id ? [r.recipient_id] : []))),
  };
}

/**
 * Posts due now, oldest first: queued ones whose time has come and sends that died mid-way
 * (claimed before `staleBefore`). A thread's post waits while an earlier one of the same
 * thread is not finished, so a thread goes out in order.
 */
export async function duePosts(db: D1Database, network: NetworkName, now: string, staleBefore: string, limit: number): Promise<SocialPost[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM social_posts p
       WHERE p.network = ?1
         AND ((p.state = 'queued' AND (p.next_attempt_at IS NULL OR p.next_attempt_at <= ?2)) OR (p.state = 'sending' AND p.claimed_at < ?3))
         AND (p.thread_key IS NULL OR NOT EXISTS (
               SELECT 1 FROM social_posts e WHERE e.network = p.network AND e.thread_key = p.thread_key AND e.seq < p.seq AND e.state IN ('queued','sending')))
       ORDER BY p.created_at, p.seq LIMIT ?4`,
    )
    .bind(network, now, staleBefore, limit)
    .all<PostRow>();
  return results.map(toPost);
}

/** Claims a post for sending (false: someone else has it, or it is done). */
export async function claimPost(db: D1Database, id: string, now: string, staleBefore: string): Promise<boolean> {
  const res = await db
    .prepare(
      `UPDATE social_posts SET state = 'sending', claimed_at = ?2, attempts = attempts + 1
       WHERE id = ?1 AND (state = 'queued' OR (state = 'sending' AND claimed_at < ?3))`,
    )
    .bind(id, now, staleBefore)
    .run();
  return res.meta.changes === 1;
}

export function markPostSentStatement(db: D1Database, p: { id: string; remoteId: string; remoteRef: string | null; now: string }): D1PreparedStatement {
  return db
    .prepare("UPDATE social_posts SET state = 'sent', remote_id = ?2, remote_ref = ?3, sent_at = ?4, claimed_at = NULL, last_error = NULL WHERE id = ?1")
    .bind(p.id, p.remoteId, p.remoteRef, p.now);
}

export async function markPostRetry(db: D1Database, p: { id: string; nextAttemptAt: string; error: string }): Promise<void> {
  await db
    .prepare("UPDATE social_posts SET state = 'queued', next_attempt_at = ?2, last_error = ?3, claimed_at = NULL WHERE id = ?1")
    .bind(p.id, p.nextAttemptAt, p.error.slice(0, 1000))
    .run();
}

export async function markPostFinal(db: D1Database, p: { id: string; state: "failed" | "skipped"; error: string }): Promise<void> {
  await db
    .prepare("UPDATE social_posts SET state = ?2, last_error = ?3, claimed_at = NULL WHERE id = ?1")
    .bind(p.id, p.state, p.error.slice(0, 1000))
    .run();
}

/** At the spend cap: optional posts still waiting are skipped (with the reason). */
export async function skipOptionalQueuedPosts(db: D1Database, network: NetworkName, reason: string): Promise<number> {
  const res = await db
    .prepare("UPDATE social_posts SET state = 'skipped', last_error = ?2 WHERE network = ?1 AND optional = 1 AND state = 'queued'")
    .bind(network, reason)
    .run();
  return res.meta.changes;
}

/** The sent posts of a thread a new post continues: its first (root) and the last before `seq`. */
export async function threadNeighbours(
  db: D1Database,
  network: NetworkName,
  threadKey: string,
  seq: number,
): Promise<{ root: SocialPost | null; previous: SocialPost | null }> {
  const [root, previous] = await db.batch<PostRow>([
    db.prepare("SELECT * FROM social_posts WHERE network = ?1 AND thread_key = ?2 AND state = 'sent' ORDER BY seq LIMIT 1").bind(network, threadKey),
    db.prepare("SELECT * FROM social_posts WHERE network = ?1 AND thread_key = ?2 AND state = 'sent' AND seq < ?3 ORDER BY seq DESC LIMIT 1").bind(network, threadKey, seq),
  ]);
  const r = root!.results[0];
  const p = previous!.results[0];
  return { root: r ? toPost(r) : null, previous: p ? toPost(p) : null };
}

/** The next sequence number in a thread (0 for a new thread). */
export async function nextThreadSeq(db: D1Database, network: NetworkName, threadKey: string): Promise<number> {
  const row = await db
    .prepare("SELECT MAX(seq) AS seq FROM social_posts WHERE network = ?1 AND thread_key = ?2")
    .bind(network, threadKey)
    .first<{ seq: number | null }>();
  return row?.seq === null || row?.seq === undefined ? 0 : row.seq + 1;
}

export async function postsOfReport(db: D1Database, reportId: string): Promise<SocialPost[]> {
  const { results } = await db.prepare("SELECT * FROM social_posts WHERE report_id = ?1 ORDER BY created_at, id").bind(reportId).all<PostRow>();
  return results.map(toPost);
}

export async function postsOfThread(db: D1Database, network: NetworkName, threadKey: string): Promise<SocialPost[]> {
  const { results } = await db
    .prepare("SELECT * FROM social_posts WHERE network = ?1 AND thread_key = ?2 ORDER BY seq")
    .bind(network, threadKey)
    .all<PostRow>();
  return results.map(toPost);
}

export async function postCounts(db: D1Database, network: NetworkName, since: string): Promise<Record<string, number>> {
  const { results } = await db
    .prepare("SELECT kind || ':' || state AS k, COUNT(*) AS n FROM social_posts WHERE network = ?1 AND created_at >= ?2 GROUP BY kind, state")
    .bind(network, since)
    .all<{ k: string; n: number }>();
  return Object.fromEntries(results.map((r) => [r.k, r.n]));
}

// ---- incident updates (read from the status capability's tables) --------------------------

export interface UpdateToPost {
  updateId: string;
  incidentId: string;
  incidentKind: "incident" | "maintenance";
  incidentName: string;
  status: string;
  body: string;
  createdAt: string;
}

/** The update a status.published event names, with its incident; null when it is gone. */
export async function updateToPost(db: D1Database, updateId: string): Promise<UpdateToPost | null> {
  const r = await db
    .prepare(
      `SELECT u.id, u.incident_id, i.kind, i.name, u.status, u.body, u.created_at
       FROM incident_updates u JOIN incidents i ON i.id = u.incident_id WHERE u.id = ?1`,
    )
    .bind(updateId)
    .first<{ id: string; incident_id: string; kind: "incident" | "maintenance"; name: string; status: string; body: string; created_at: string }>();
  return r
    ? { updateId: r.id, incidentId: r.incident_id, incidentKind: r.kind, incidentName: r.name, status: r.status, body: r.body, createdAt: r.created_at }
    : null;
}

/** How far the posts of each of these updates have got, per network: counts by state and the
 * last error (the console's incident page). */
export async function postProgressOfUpdates(
  db: D1Database,
  updateIds: readonly string[],
): Promise<Map<string, Array<{ network: NetworkName; states: Record<string, number>; lastError: string | null }>>> {
  const { results } = await db
    .prepare(
      `SELECT incident_update_id, network, state, COUNT(*) AS n, MAX(last_error) AS last_error FROM social_posts
       WHERE incident_update_id IN (SELECT value FROM json_each(?1)) GROUP BY incident_update_id, network, state ORDER BY network`,
    )
    .bind(JSON.stringify(updateIds))
    .all<{ incident_update_id: string; network: NetworkName; state: string; n: number; last_error: string | null }>();
  const progress = new Map<string, Array<{ network: NetworkName; states: Record<string, number>; lastError: string | null }>>();
  for (const r of results) {
    const list = progress.get(r.incident_update_id) ?? [];
    let entry = list.find((e) => e.network === r.network);
    if (!entry) list.push((entry = { network: r.network, states: {}, lastError: null }));
    entry.states[r.state] = r.n;
    if (r.state === "failed" || r.state === "skipped") entry.lastError = r.last_error ?? entry.lastError;
    progress.set(r.incident_update_id, list);
  }
  return progress;
}

/** Whether this update's posts are queued already on this network (the event came again). */
export async function updateQueued(db: D1Database, network: NetworkName, updateId: string): Promise<boolean> {
  return (await db.prepare("SELECT 1 AS x FROM social_posts WHERE network = ?1 AND incident_update_id = ?2 LIMIT 1").bind(network, updateId).first()) !== null;
}

// ---- usage -------------------------------------------------------------------------------

export function usageStatements(db: D1Database, network: NetworkName, usage: Usage, now: Date): D1PreparedStatement[] {
  const month = monthOf(now);
  return usageMetrics
    .filter((m) => (usage[m] ?? 0) > 0)
    .map((m) =>
      db
        .prepare(
          `INSERT INTO social_usage (network, month, metric, count) VALUES (?1, ?2, ?3, ?4)
           ON CONFLICT (network, month, metric) DO UPDATE SET count = social_usage.count + excluded.count`,
        )
        .bind(network, month, m, usage[m]),
    );
}

export async function usageOf(db: D1Database, network: NetworkName, month: string): Promise<Usage> {
  const { results } = await db
    .prepare("SELECT metric, count FROM social_usage WHERE network = ?1 AND month = ?2")
    .bind(network, month)
    .all<{ metric: string; count: number }>();
  return Object.fromEntries(results.map((r) => [r.metric, r.count])) as Usage;
}

// ---- sessions ----------------------------------------------------------------------------

export async function loadSession(db: D1Database, network: NetworkName): Promise<unknown> {
  const row = await db.prepare("SELECT data FROM social_sessions WHERE network = ?1").bind(network).first<{ data: string }>();
  return row ? (JSON.parse(row.data) as unknown) : null;
}

export async function saveSession(db: D1Database, network: NetworkName, data: unknown, now: string): Promise<void> {
  await db
    .prepare(
      `INSERT INTO social_sessions (network, data, updated_at) VALUES (?1, ?2, ?3)
       ON CONFLICT (network) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`,
    )
    .bind(network, JSON.stringify(data), now)
    .run();
}

// ---- staff replies -----------------------------------------------------------------------

/** The reporter's newest message on this network that filed or joined the report (JSON). */
export async function latestMessageOfReport(db: D1Database, network: NetworkName, reportId: string): Promise<string | null> {
  const row = await db
    .prepare("SELECT message FROM social_inbound WHERE network = ?1 AND report_id = ?2 ORDER BY received_at DESC, message_id DESC LIMIT 1")
    .bind(network, reportId)
    .first<{ message: string }>();
  return row?.message ?? null;
}

/** Which of these posts went out already, with the network's id of each (a staff reply in parts,
 * tried again after one part failed, goes on from where it stopped). */
export async function sentPostsAmong(db: D1Database, ids: readonly string[]): Promise<Map<string, string>> {
  const { results } = await db
    .prepare("SELECT id, remote_id FROM social_posts WHERE state = 'sent' AND remote_id IS NOT NULL AND id IN (SELECT value FROM json_each(?1))")
    .bind(JSON.stringify(ids))
    .all<{ id: string; remote_id: string }>();
  return new Map(results.map((r) => [r.id, r.remote_id]));
}

/**
 * A post sent outside the outbox (a staff reply, sent by the inbox's claimed delivery), recorded
 * as sent: the report's history shows it, and an answer to it joins the report as a follow-up.
 */
export function insertSentPostStatement(
  db: D1Database,
  p: Pick<SocialPost, "id" | "network" | "kind" | "body" | "hasLink" | "replyTo" | "recipientId" | "recipientHandle" | "reportId" | "remoteId" | "remoteRef"> & { now: string },
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO social_posts (id, network, kind, body, has_link, optional, reply_to, recipient_id, recipient_handle, report_id,
         state, attempts, remote_id, remote_ref, created_at, sent_at)
       VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?7, ?8, ?9, 'sent', 1, ?10, ?11, ?12, ?12)
       ON CONFLICT (id) DO UPDATE SET state = 'sent', remote_id = excluded.remote_id, remote_ref = excluded.remote_ref, sent_at = excluded.sent_at`,
    )
    .bind(p.id, p.network, p.kind, p.body, p.hasLink ? 1 : 0, p.replyTo, p.recipientId, p.recipientHandle, p.reportId, p.remoteId, p.remoteRef, p.now);
}
