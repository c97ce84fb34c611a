// Staff incident and maintenance updates, posted as one thread per incident: its first update
// starts the thread (named, with the link to its page), every later update replies to the
// thread. How we hear of them: every status write stores its incident_updates row in the same
// D1 batch as the change (and bumps the page version, and audits it), so "an update row this
// network has not posted" is exactly "a change to announce". The cron looks for those each
// minute (queries.ts, `unpostedUpdates`) and queues their posts, deduplicated by update id.
// This needs nothing from the status capability but its tables, so its code can change freely,
// and a failed post never reaches back into the status write (which was done and answered
// before we ever looked). The price is up to a minute of delay on social networks.
import type { Services } from "../platform/services";
import { insertPostStatement, nextThreadSeq, readStream, saveStreamStatement, unpostedUpdates } from "./queries";
import { updatePosts } from "./texts.pure";
import type { SocialNetwork } from "./types";

/** Updates queued per run (each is one to six posts). */
export const UPDATES_PER_RUN = 20;

export type UpdateServices = Pick<Services, "db" | "queue" | "config" | "channelSettings">;

/** Queues the posts of new staff updates; returns how many updates were queued. */
export async function queueStatusUpdates(svc: UpdateServices, network: SocialNetwork, now: Date): Promise<number> {
  const nowIso = now.toISOString();
  const key = `updates:${network.accountKey(svc.channelSettings)}`;
  const row = await readStream(svc.db, network.name, key);
  if (!row?.cursor) {
    // A newly configured account starts from now: the history is on the status page already.
    await saveStreamStatement(svc.db, { network: network.name, stream: key, cursor: nowIso, walk: null, nextPollAt: null, now: nowIso }).run();
    return 0;
  }
  const updates = await unpostedUpdates(svc.db, network.name, row.cursor, UPDATES_PER_RUN);
  const rule = network.length(svc.channelSettings);
  for (const u of updates) {
    const seq = await nextThreadSeq(svc.db, network.name, u.incidentId);
    const url = `${svc.config.publicUrl}/${u.incidentKind === "maintenance" ? "maintenance" : "incidents"}/${u.incidentId}`;
    const texts = updatePosts({ incidentName: u.incidentName, status: u.status, body: u.body, first: seq === 0, url }, rule);
    await svc.db.batch(
      texts.map((body, i) =>
        insertPostStatement(svc.db, {
          id: `${network.name}:update:${u.updateId}:${i}`,
          network: network.name,
          kind: "update",
          body,
          hasLink: seq === 0 && i === 0,
          optional: true,
          threadKey: u.incidentId,
          seq: seq + i,
          incidentId: u.incidentId,
          incidentUpdateId: u.updateId,
          createdAt: nowIso,
        }),
      ),
    );
  }
  if (updates.length > 0) await svc.queue.dispatch({ type: "social.send", network: network.name });
  return updates.length;
}
