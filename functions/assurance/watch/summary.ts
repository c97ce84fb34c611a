// The weekly assurance summary: on Monday morning (UTC), once, to the console's admins and
// ASSURANCE_SUMMARY_TO. The week's row in assurance_summaries is the claim, so a repeated or
// concurrent cron run sends nothing twice; a failed send releases it for the next minute.
import { siteConfig } from "../../../site.config";
import type { Services } from "../../platform/services";
import { adminAddresses, claimSummary, latestHumanCheck, listOpenDrifts, releaseSummary, runsBetween } from "./queries";
import { readWatchSettings, type WatchSettings } from "./settings";
import { previousWeek, summaryMail } from "./summary.pure";

export type SummaryServices = Pick<Services, "db" | "mail" | "config" | "channelSettings">;

/** Sent from this hour of Monday (UTC), when the week's last runs are in. */
const SEND_FROM_HOUR_UTC = 7;

/** Channel types with no silent provider check (chat webhooks, PagerDuty's Events API accepts
 * anything well-formed): only the weekly test page proves them. */
export const HUMAN_ONLY_CHANNELS = ["discord", "mattermost", "pagerduty", "slack", "teams", "webhook"] as const;

export async function sendWeeklySummary(svc: SummaryServices, now: Date, settings: WatchSettings = readWatchSettings(svc.channelSettings)): Promise<{ sent: number } | null> {
  const week = previousWeek(now.getTime());
  if (now.getTime() - week.end.getTime() < SEND_FROM_HOUR_UTC * 3_600_000) return null;
  const recipients = [...new Set([...(await adminAddresses(svc.db)), ...settings.summaryTo].map((a) => a.toLowerCase()))];
  if (recipients.length === 0 || !svc.config.mailFrom) return null;
  const weekStart = week.start.toISOString();
  if (!(await claimSummary(svc.db, weekStart, recipients.length, now))) return null;
  try {
    const [runs, drifts, human] = await Promise.all([runsBetween(svc.db, week.start, week.end), listOpenDrifts(svc.db), latestHumanCheck(svc.db)]);
    const mail = summaryMail({
      weekStart,
      weekEnd: new Date(week.end.getTime() - 1).toISOString(),
      timeZone: siteConfig.timezone,
      runs,
      openDrifts: drifts,
      humanCheck: human && human.startedAt >= weekStart ? { state: human.state, startedAt: human.startedAt } : null,
      humanOnlyChannels: HUMAN_ONLY_CHANNELS,
    });
    for (const to of recipients) await svc.mail.send({ to, from: svc.config.mailFrom, subject: mail.subject, text: mail.text });
    return { sent: recipients.length };
  } catch (err) {
    await releaseSummary(svc.db, weekStart);
    throw err;
  }
}
