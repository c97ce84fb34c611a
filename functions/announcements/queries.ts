// What staff chose to announce with each status update (status_announcements): notify the
// subscribers, post to the social accounts. The console writes a row with every incident and
// maintenance update it posts. The senders (subscriber mail, social posts; other rooms) read
// the pending rows and mark each side done once they have handed the update on, as an outbox:
// a row is never lost, and a sender that runs twice finds it done.

export interface Announcement {
  updateId: string;
  incidentId: string;
  notifySubscribers: boolean;
  postSocial: boolean;
  requestedBy: string;
  createdAt: string;
  subscribersDoneAt: string | null;
  socialDoneAt: string | null;
}

interface Row {
  update_id: string;
  incident_id: string;
  notify_subscribers: number;
  post_social: number;
  requested_by: string;
  created_at: string;
  subscribers_done_at: string | null;
  social_done_at: string | null;
}

const toAnnouncement = (r: Row): Announcement => ({
  updateId: r.update_id,
  incidentId: r.incident_id,
  notifySubscribers: r.notify_subscribers === 1,
  postSocial: r.post_social === 1,
  requestedBy: r.requested_by,
  createdAt: r.created_at,
  subscribersDoneAt: r.subscribers_done_at,
  socialDoneAt: r.social_done_at,
});

export function insertAnnouncementStatement(
  db: D1Database,
  a: { updateId: string; incidentId: string; notifySubscribers: boolean; postSocial: boolean; requestedBy: string; now: string },
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO status_announcements (update_id, incident_id, notify_subscribers, post_social, requested_by, created_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (update_id) DO NOTHING`,
    )
    .bind(a.updateId, a.incidentId, a.notifySubscribers ? 1 : 0, a.postSocial ? 1 : 0, a.requestedBy, a.now);
}

/** The choices made for an incident's updates, by update id. */
export async function listAnnouncementsOf(db: D1Database, incidentId: string): Promise<Map<string, Announcement>> {
  const { results } = await db.prepare("SELECT * FROM status_announcements WHERE incident_id = ?1").bind(incidentId).all<Row>();
  return new Map(results.map((r) => [r.update_id, toAnnouncement(r)]));
}

export type AnnouncementSide = "subscribers" | "social";

/** Oldest first: updates whose subscribers (or social posts) still wait to be told. */
export async function listPendingAnnouncements(db: D1Database, side: AnnouncementSide, limit: number): Promise<Announcement[]> {
  const where = side === "subscribers" ? "notify_subscribers = 1 AND subscribers_done_at IS NULL" : "post_social = 1 AND social_done_at IS NULL";
  const { results } = await db.prepare(`SELECT * FROM status_announcements WHERE ${where} ORDER BY created_at LIMIT ?1`).bind(limit).all<Row>();
  return results.map(toAnnouncement);
}

/** Marks one side handed on; false when it was done already (a sender running twice). */
export async function markAnnouncementDone(db: D1Database, updateId: string, side: AnnouncementSide, now: string): Promise<boolean> {
  const column = side === "subscribers" ? "subscribers_done_at" : "social_done_at";
  const res = await db.prepare(`UPDATE status_announcements SET ${column} = ?2 WHERE update_id = ?1 AND ${column} IS NULL`).bind(updateId, now).run();
  return res.meta.changes === 1;
}
