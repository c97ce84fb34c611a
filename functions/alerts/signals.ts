// Signals from the company's own servers (functions/monitors: a monitor failing, a heartbeat
// missed) page on-call through the same alerts as customer reports: routed by the same rules
// (channel "monitor" or "heartbeat"), held behind a busy policy, capped by the hourly ceiling,
// acknowledged the same way. One alert per outage (the signal's key): the same outage getting
// worse updates it; recovery resolves it.
import type { Job } from "../../contract/jobs";
import type { EscalationPlan } from "../oncall/config";
import { escalationPlanFor } from "../oncall/plan";
import { type FanoutServices, newAlertId, randomCode, resolveAlert, startPaging } from "./lifecycle";
import { eventStatement, findAlert, findOpenSignalAlert, insertAlertStatement } from "./queries";

export async function handleSignalRaised(svc: FanoutServices, job: Extract<Job, { type: "signal.raised" }>, now: Date): Promise<void> {
  const db = svc.db;
  const open = await findOpenSignalAlert(db, job.key);
  if (open) {
    // The same outage, worse (degraded, then down): said in its timeline; it already pages.
    await db.batch([eventStatement(db, { alertId: open.id, type: "signal", message: `${job.source} ${job.sourceId}: ${job.subject}`, detail: { key: job.key, urgency: job.urgency }, now })]);
    return;
  }
  const plan = withoutChannels(await escalationPlanFor(db, { channel: job.source, urgency: job.urgency, componentId: job.componentId }, now), job.avoidChannels ?? []);
  const id = newAlertId();
  const iso = now.toISOString();
  await db.batch([
    insertAlertStatement(db, {
      id,
      groupKey: `signal:${job.key}`,
      componentId: job.componentId,
      channel: job.source,
      urgency: job.urgency,
      subject: job.subject,
      // No report: the signal itself is the first word (there is no reporter to call back).
      firstReportId: `signal:${job.sourceId}`,
      firstText: job.text.slice(0, 2000),
      ackCode: randomCode(5),
      plan,
      dueAt: plan && plan.levels.length > 0 ? iso : null,
      now: iso,
    }),
    eventStatement(db, { alertId: id, type: "raised", message: `Alert raised by ${job.source} ${job.sourceId}: ${job.subject}`, detail: { key: job.key, policy: plan?.policyId ?? null }, now }),
  ]);
  // A second delivery of the same job, racing this one, may have raised one too: the older wins.
  const winner = await findOpenSignalAlert(db, job.key);
  if (winner && winner.id !== id) {
    await resolveAlert(svc, id, { actor: "system", via: `duplicate of ${winner.id}` }, now);
    return;
  }
  const alert = await findAlert(db, id);
  if (alert) await startPaging(svc, alert, now);
}

/** The plan with the broken channels left out of each person's methods (never all of them). */
function withoutChannels(plan: EscalationPlan | null, avoid: readonly string[]): EscalationPlan | null {
  if (!plan || avoid.length === 0) return plan;
  return {
    ...plan,
    levels: plan.levels.map((level) => ({
      ...level,
      targets: level.targets.map((t) => {
        const working = t.contactMethods.filter((m) => !avoid.includes(m.type));
        return working.length > 0 ? { ...t, contactMethods: working } : t;
      }),
    })),
  };
}

export async function handleSignalRecovered(svc: FanoutServices, job: Extract<Job, { type: "signal.recovered" }>, now: Date): Promise<void> {
  const open = await findOpenSignalAlert(svc.db, job.key);
  if (!open) return;
  await resolveAlert(svc, open.id, { actor: `${job.source}:${job.sourceId}`, via: "recovered" }, now);
}
