// What became of each update's announcements, for the console's incident page: what staff chose
// (the update's status.published event carries it), how far the subscriber sends have got
// (subscriber_deliveries, the same counts as GET /api/admin/subscribers/deliveries) and each
// social network's posts (social_posts). Read from the rooms that do the sending, so the page
// never says "sent" for something nobody sent.
import { html, type SafeHtml } from "../platform/html";
import type { Services } from "../platform/services";
import { postProgressOfUpdates } from "../social/queries";
import { isConfigured, networkList, networkOf } from "../social/registry";
import { publishedChoicesOf } from "../status/queries";
import { deliveryProgress } from "../subscribers/queries";

export interface UpdateDelivery {
  choice: { subscribers: boolean; social: boolean; actor: string };
  subscribers: Record<string, number> | null;
  social: Array<{ network: string; states: Record<string, number>; lastError: string | null }>;
}

export async function deliveriesOfIncident(svc: Pick<Services, "db">, incidentId: string, updateIds: readonly string[]): Promise<Map<string, UpdateDelivery>> {
  const choices = await publishedChoicesOf(svc.db, incidentId);
  const announced = updateIds.filter((id) => choices.has(id));
  const [social, subscribers] = await Promise.all([
    postProgressOfUpdates(svc.db, announced),
    Promise.all(announced.map(async (id) => [id, choices.get(id)!.subscribers ? (await deliveryProgress(svc.db, id)).states : null] as const)),
  ]);
  const bySubscribers = new Map(subscribers);
  return new Map(announced.map((id) => [id, { choice: choices.get(id)!, subscribers: bySubscribers.get(id) ?? null, social: social.get(id) ?? [] }]));
}

const subscriberWords: Array<[string, string]> = [
  ["sent", "told"],
  ["sending", "sending"],
  ["failed", "failed"],
  ["dropped", "dropped (unsubscribed meanwhile)"],
];
const postWords: Array<[string, string]> = [
  ["sent", "posted"],
  ["sending", "sending"],
  ["queued", "queued"],
  ["failed", "failed"],
  ["skipped", "skipped"],
];

function counts(states: Record<string, number>, words: Array<[string, string]>): string {
  return words.flatMap(([state, word]) => ((states[state] ?? 0) > 0 ? [`${states[state]} ${word}`] : [])).join(", ");
}

function label(network: string): string {
  try {
    return networkOf(network as Parameters<typeof networkOf>[0]).label;
  } catch {
    return network;
  }
}

/** Two lines under an update in the timeline; nothing for an update without an event (imported). */
export function deliveryLines(d: UpdateDelivery | undefined, settings: Env): SafeHtml | string {
  if (!d) return "";
  const by = d.choice.actor ? ` (chosen by ${d.choice.actor})` : "";
  const subscribers = !d.choice.subscribers ? `not notified${by}` : counts(d.subscribers ?? {}, subscriberWords) || "nobody told so far";
  let social: string;
  if (!d.choice.social) social = `not posted${by}`;
  else if (d.social.length > 0) {
    social = d.social
      .map((n) => `${label(n.network)}: ${counts(n.states, postWords)}${n.lastError && ((n.states.failed ?? 0) > 0 || (n.states.skipped ?? 0) > 0) ? ` (${n.lastError.slice(0, 200)})` : ""}`)
      .join("; ");
  } else social = networkList.some((n) => isConfigured(n, settings)) ? "waiting to be posted" : "no social account is set up";
  return html`<p class="muted small delivery">Subscribers: ${subscribers}.<br />Social: ${social}.</p>`;
}
