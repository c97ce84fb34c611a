// Each minute, for every configured network: poll its streams, handle what arrived, send what
// is due (staff updates are queued by the status.published consumer, updates.ts). Networks run
// side by side, so one that is down or rate-limited never holds up the others; each records its
// own health in assurance.
import type { Services } from "../platform/services";
import type { CronTask } from "../platform/tasks";
import { handlePendingInbound } from "./inbound";
import { sendDuePosts } from "./outbound";
import { pollNetwork } from "./poll";
import { isConfigured, networkList } from "./registry";
import type { SocialNetwork } from "./types";

/** Inbound messages handled by the cron itself each minute (jobs take the rest). */
const CRON_INBOUND_BATCH = 50;

export async function runSocialNetwork(svc: Services, network: SocialNetwork, now: Date): Promise<void> {
  await pollNetwork(svc, network, now);
  await handlePendingInbound(svc, network.name, now, CRON_INBOUND_BATCH);
  await sendDuePosts(svc, network, now);
}

export const socialCronTask: CronTask = {
  name: "social",
  async run(svc, now) {
    const configured = networkList.filter((n) => isConfigured(n, svc.channelSettings));
    const results = await Promise.allSettled(configured.map((n) => runSocialNetwork(svc, n, now)));
    const failed = results.flatMap((r, i) => (r.status === "rejected" ? [`${configured[i]!.name}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`] : []));
    if (failed.length > 0) throw new Error(failed.join("; "));
  },
};
