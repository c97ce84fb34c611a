// The weekly human-path check: a test page through the real fan-out (routed, escalated, one-tap
// acknowledgement like any page). Acknowledged in time: the path and each channel it went out
// on are verified by a human ("human-path", "human:<channel>"). Not: the alert stays open and
// escalates like a real one, and those channels are marked unverified in assurance.
import type { Services } from "../../platform/services";
import { recordCheckFailure, recordCheckSuccess } from "../queries";
import { dueSlot, humanVerdict, testPage } from "./human-check.pure";
import { claimHumanCheck, findSignalAlertState, finishHumanCheck, listWaitingHumanChecks, pageChannelsOf } from "./queries";
import { readWatchSettings, type WatchSettings } from "./settings";

export type HumanCheckServices = Pick<Services, "db" | "queue" | "channelSettings">;

export async function runHumanCheck(svc: HumanCheckServices, now: Date, settings: WatchSettings = readWatchSettings(svc.channelSettings)): Promise<void> {
  const db = svc.db;
  const slot = dueSlot(settings.humanCheck, now.getTime());
  if (slot) {
    const dueAt = new Date(now.getTime() + settings.humanCheck.ackMinutes * 60_000);
    if (await claimHumanCheck(db, { id: `hpc_${crypto.randomUUID()}`, slot: slot.toISOString(), startedAt: now, dueAt })) {
      const page = testPage(slot, settings.humanCheck.ackMinutes);
      await svc.queue.dispatch({ type: "signal.raised", source: "assurance", sourceId: "human-path", key: page.key, subject: page.subject, text: page.text, componentId: null, urgency: "high" });
    }
  }
  for (const check of await listWaitingHumanChecks(db)) {
    const key = testPage(new Date(check.slot), settings.humanCheck.ackMinutes).key;
    const alert = await findSignalAlertState(db, key);
    const verdict = humanVerdict(check, alert, now.getTime());
    if (verdict === "waiting") continue;
    const channels = alert ? await pageChannelsOf(db, alert.id) : [];
    const sent = channels.filter((c) => c.sent).map((c) => c.channel);
    if (verdict === "acknowledged") {
      if (!(await finishHumanCheck(db, check.id, "acknowledged", { alert: alert?.id, by: alert?.acknowledgedBy, channels: sent }, now))) continue;
      await recordCheckSuccess(db, "human-path", now, { acknowledgedBy: alert?.acknowledgedBy ?? null, channels: sent });
      for (const channel of sent) await recordCheckSuccess(db, `human:${channel}`, now, { via: "weekly test page" });
      // The test is over: its alert is closed, so nothing keeps it "acknowledged" forever.
      await svc.queue.dispatch({ type: "signal.recovered", source: "assurance", sourceId: "human-path", key });
    } else {
      if (!(await finishHumanCheck(db, check.id, "unacknowledged", { alert: alert?.id ?? null, channels: channels.map((c) => c.channel) }, now))) continue;
      const why = alert
        ? `nobody acknowledged the weekly test page within ${settings.humanCheck.ackMinutes} minutes (it escalates like a real alert)`
        : "the weekly test page raised no alert: is the fan-out running?";
      await recordCheckFailure(db, "human-path", now, why);
      for (const c of channels) await recordCheckFailure(db, `human:${c.channel}`, now, `unverified: ${why}`);
    }
  }
}
