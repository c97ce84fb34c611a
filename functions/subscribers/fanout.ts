// From one status event to subscribers.deliver jobs: who is told (everyone, or those who chose
// one of the components it touches), split by channel into chunks small enough that a queue
// invocation stays far below the Worker's limits (budget.pure.ts). The audience is read once,
// here; each chunk job re-checks that its subscribers are still active before sending.
import type { Job } from "../../contract/jobs";
import type { Services } from "../platform/services";
import type { StatusEventConsumer, StatusPublishedJob } from "../status/events";
import { getIncident } from "../status/queries";
import { CHUNK_SIZE, chunk } from "./budget.pure";
import { listAudience, type AudienceMember } from "./queries";

/**
 * Who hears of an event. An incident or maintenance that names no component concerns everyone;
 * one that does reaches those who chose all components or one of its components (over its
 * whole life, so a subscriber hears the resolution of what they heard begin). A component
 * moved on its own reaches only those who chose it.
 */
export async function audienceOf(db: D1Database, event: StatusPublishedJob): Promise<AudienceMember[]> {
  if (event.kind === "component") return listAudience(db, event.changes.map((c) => c.componentId), true);
  const incident = event.incidentId ? await getIncident(db, event.incidentId) : null;
  if (!incident) return [];
  const components = new Set([...incident.componentIds, ...event.changes.map((c) => c.componentId)]);
  return listAudience(db, components.size === 0 ? null : [...components], false);
}

export function deliveryJobs(eventId: string, audience: readonly AudienceMember[]): Job[] {
  const jobs: Job[] = [];
  for (const channel of ["email", "webhook", "slack", "teams"] as const) {
    const ids = audience.filter((m) => m.channel === channel).map((m) => m.id);
    for (const part of chunk(ids, CHUNK_SIZE[channel])) jobs.push({ type: "subscribers.deliver", eventId, channel, subscriberIds: part });
  }
  return jobs;
}

export async function fanOutToSubscribers(svc: Pick<Services, "db" | "queue">, event: StatusPublishedJob): Promise<number> {
  if (!event.notify.subscribers) return 0;
  const jobs = deliveryJobs(event.eventId, await audienceOf(svc.db, event));
  await svc.queue.sendAll(jobs);
  return jobs.length;
}

/** Registered with the queue dispatcher as a consumer of status.published. */
export const subscriberStatusConsumer: StatusEventConsumer = {
  name: "subscribers",
  handle: async (event, { svc }) => {
    await fanOutToSubscribers(svc, event);
  },
};
