// Staff incident and maintenance updates, posted as one thread per incident: its first update
// starts the thread (named, with the link to its page), every later update replies to the
// thread. How we hear of them: every status write (the staff API, the console, mail, monitors,
// the maintenance clock) publishes `status.published` (functions/status/events.ts) in the same
// D1 batch as the change, and this room is one of its consumers. The event carries the staff's
// choice (`notify.social`): an update they chose not to announce is never posted. Imports
// publish no event, so history brought over from another status page is never announced.
//
// No cron scan backs this up: the event outbox does. A consumer's finish is recorded per event
// (status_event_consumers) and the status sweep sends an event again, with growing intervals,
// until every consumer has finished; a repeated event finds its posts queued already (their
// ids are the update's) and queues nothing. A failed post never reaches back into the status
// write, which was done and answered before this ran.
import type { StatusEventConsumer } from "../status/events";
import type { Services } from "../platform/services";
import { insertPostStatement, nextThreadSeq, updateQueued, updateToPost, type UpdateToPost } from "./queries";
import { isConfigured, networkList } from "./registry";
import { updatePosts } from "./texts.pure";
import type { SocialNetwork } from "./types";

export type UpdateServices = Pick<Services, "db" | "queue" | "config" | "channelSettings">;

/** Queues the posts of one update on one network, once; returns whether it queued any. */
export async function queueUpdatePosts(svc: UpdateServices, network: SocialNetwork, u: UpdateToPost, now: Date): Promise<boolean> {
  if (await updateQueued(svc.db, network.name, u.updateId)) return false;
  const seq = await nextThreadSeq(svc.db, network.name, u.incidentId);
  const url = `${svc.config.publicUrl}/${u.incidentKind === "maintenance" ? "maintenance" : "incidents"}/${u.incidentId}`;
  const texts = updatePosts({ incidentName: u.incidentName, status: u.status, body: u.body, first: seq === 0, url }, network.length(svc.channelSettings));
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
        createdAt: now.toISOString(),
      }),
    ),
  );
  return true;
}

/** The social room's consumer of status.published: the update's posts on every configured network. */
export const socialStatusConsumer: StatusEventConsumer = {
  name: "social",
  async handle(event, { svc, now }) {
    if (!event.notify.social || !event.updateId) return;
    const configured = networkList.filter((n) => isConfigured(n, svc.channelSettings));
    if (configured.length === 0) return;
    const update = await updateToPost(svc.db, event.updateId);
    if (!update) return;
    for (const network of configured) {
      if (await queueUpdatePosts(svc, network, update, now)) await svc.queue.dispatch({ type: "social.send", network: network.name });
    }
  },
};
