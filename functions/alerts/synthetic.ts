// The fan-out's side of the path canary (functions/canary): a synthetic report (marked at
// intake, reports.synthetic) arrives here like any report, through storage and the queue. It is
// grouped and its escalation plan resolved as a real one would be, and then, at the send step,
// each contact method the page would use gets its channel's silent check instead of a page.
// Nothing is written to alerts, deliveries or digests: it pages nobody, raises no alert, and
// counts towards no storm, ceiling or digest.
import type { ContactMethod, PageTarget } from "../oncall/config";
import {
  claimRunChannelChecks,
  findProbeByReport,
  markProbeVerified,
  recordCheckFailure,
  recordCheckNote,
  recordCheckSuccess,
} from "../assurance/queries";
import { channelTypes, silentCheckFor } from "../channels/registry";
import { allPageTargets, escalationPlanFor } from "../oncall/plan";
import type { Services } from "../platform/services";
import { closeSyntheticReport, markOutboxDispatched, type Report } from "../reports/queries";
import { GROUP_WINDOW_MINUTES, chooseAlert } from "./grouping";
import { listOpenAlerts } from "./queries";

export type SyntheticServices = Pick<Services, "db" | "config" | "channelSettings">;

/** How long one provider's read-only answer may take. */
const SILENT_CHECK_TIMEOUT_MS = 10_000;
/** The ntfy topic of the canary when ASSURANCE_NTFY_TOPIC is not set: nobody subscribes to it. */
export const DEFAULT_NTFY_CANARY_TOPIC = "outofband-assurance-canary";

export async function verifySyntheticReport(svc: SyntheticServices, report: Report, job: { outboxId: string }, now: Date): Promise<void> {
  const db = svc.db;
  const probe = await findProbeByReport(db, report.id);
  const name = `path:${report.channel}`;
  // Grouping as for a real report (read only): a synthetic report joins nothing.
  const open = await listOpenAlerts(db, new Date(now.getTime() - GROUP_WINDOW_MINUTES * 60_000).toISOString());
  const wouldJoin = chooseAlert({ componentId: report.componentId, subject: report.subject }, open, now);
  const plan = await escalationPlanFor(db, { channel: report.channel, urgency: report.urgency, componentId: report.componentId }, now);
  const methods = plan ? contactMethodsOf(plan.levels.flatMap((l) => l.targets)) : [];
  const check = "stored, queued, grouped and routed to the fan-out's send step";
  await recordCheckNote(db, name, { check, reference: report.reference, run: probe?.runId ?? null });
  if (!plan || methods.length === 0) {
    await recordCheckFailure(db, name, now, `the synthetic report ${report.reference} reached the fan-out, but its plan pages nobody (${plan ? "every level is empty" : "no on-call configuration"})`);
  } else {
    await recordCheckSuccess(db, name, now, {
      check,
      reference: report.reference,
      run: probe?.runId ?? null,
      grouping: wouldJoin ? `would join ${wouldJoin.id}` : "would raise an alert",
      contactMethods: methods.length,
      latencyMs: probe ? now.getTime() - Date.parse(probe.createdAt) : null,
    });
  }
  if (probe) {
    await markProbeVerified(db, probe.id, now);
    if (await claimRunChannelChecks(db, probe.runId, now)) await checkChannels(svc, await allPageTargets(db), probe.runId, now);
  }
  await closeSyntheticReport(db, report.id, now);
  await markOutboxDispatched(db, job.outboxId, now);
}

/** Every contact method of these people, once each. */
export function contactMethodsOf(targets: readonly PageTarget[]): Array<{ person: string; method: ContactMethod }> {
  const seen = new Set<string>();
  const out: Array<{ person: string; method: ContactMethod }> = [];
  for (const target of targets) {
    for (const method of target.contactMethods) {
      const { id: _id, ...fields } = method as ContactMethod & { id?: string };
      const key = JSON.stringify(fields);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ person: target.name, method });
    }
  }
  return out;
}

/**
 * Each channel anyone in the on-call configuration may be paged on gets its silent check (per
 * contact method, or once when the check is the same for everybody), whichever policy routes
 * to them; one failing channel never stops the others. Recorded as
 * `channel:<type>` with the check it got and, on failure, whose method failed and why.
 */
export async function checkChannels(svc: SyntheticServices, people: readonly PageTarget[], runId: string, now: Date): Promise<void> {
  const env = svc.channelSettings;
  const canary = {
    ntfyTopic: env.ASSURANCE_NTFY_TOPIC || DEFAULT_NTFY_CANARY_TOPIC,
    mailTo: env.ASSURANCE_CANARY_MAIL ?? "",
    mailFrom: svc.config.mailFrom,
    runId,
  };
  const byType = new Map<string, Array<{ person: string; method: ContactMethod }>>();
  for (const m of contactMethodsOf(people)) byType.set(m.method.type, [...(byType.get(m.method.type) ?? []), m]);
  for (const type of channelTypes) {
    if (!byType.has(type)) await recordCheckNote(db(svc), `channel:${type}`, { check: "no contact method in the on-call configuration", unused: true });
  }
  await Promise.all(
    [...byType].map(async ([type, methods]) => {
      const name = `channel:${type}`;
      const silent = silentCheckFor(type);
      if (!silent) {
        await recordCheckNote(db(svc), name, { check: "none: relies on the weekly human-path check", silent: false });
        return;
      }
      const targets = silent.perMethod ? methods : methods.slice(0, 1);
      const checks: string[] = [];
      try {
        for (const t of targets) {
          try {
            checks.push((await silent.run({ settings: env, timeoutMs: SILENT_CHECK_TIMEOUT_MS, canary }, t.method)).check);
          } catch (err) {
            throw new Error(`${silent.perMethod ? `${t.person}: ` : ""}${err instanceof Error ? err.message : String(err)}`);
          }
        }
        await recordCheckSuccess(db(svc), name, now, { check: [...new Set(checks)].join("; "), silent: true, methods: targets.length, run: runId });
      } catch (err) {
        await recordCheckNote(db(svc), name, { check: checks[0] ?? silent.describe, silent: true, methods: targets.length, run: runId });
        await recordCheckFailure(db(svc), name, now, err);
      }
    }),
  );
}

const db = (svc: SyntheticServices) => svc.db;
