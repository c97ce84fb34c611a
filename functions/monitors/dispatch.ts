// Carries out the effects of status changes recorded in watch_transitions: the queue job
// (signal.raised / signal.recovered, one per change), the linked component's move, and the
// draft incident. Each row is claimed first (a lease), each effect is marked done on its own,
// so a re-run never repeats a finished effect and one failing effect never holds up the others.
// A watch's changes are carried out in order: a recovery never overtakes its outage.
import { Job } from "../../contract/jobs";
import type { ComponentStatus } from "../../contract/status";
import { recordCheckFailure } from "../assurance/queries";
import type { Services } from "../platform/services";
import type { MonitorsConfig } from "./config.pure";
import {
  claimTransition,
  componentAppliedBy,
  finishTransitionAttempt,
  insertDraftStatement,
  listPendingTransitions,
  loadActiveMonitorsConfig,
  markTransitionStep,
  setComponentAppliedStatement,
  type TransitionRow,
} from "./queries";
import { componentMoveDecision, draftIncident, type WatchSource } from "./signals.pure";
import { componentsById, moveComponent } from "./status-seam";

/** A claim older than this is taken over (the dispatcher holding it died). */
const STALE_CLAIM_MS = 2 * 60_000;
/** After this many failed attempts a row is given up (and flagged in assurance). */
export const GIVE_UP_AFTER_ATTEMPTS = 10;
const BATCH = 50;

/** What dispatching needs: the database and a queue to send jobs on. */
export type DispatchServices = Pick<Services, "db" | "queue">;

export async function dispatchTransitions(
  s: DispatchServices,
  now: Date,
  opts: { watch?: { source: WatchSource; watchId: string }; config?: MonitorsConfig | null } = {},
): Promise<{ done: number; failed: number }> {
  const rows = await listPendingTransitions(s.db, BATCH, opts.watch);
  if (rows.length === 0) return { done: 0, failed: 0 };
  let config = opts.config;
  const blocked = new Set<string>();
  let done = 0;
  let failed = 0;
  for (const row of rows) {
    const watchKey = `${row.source}:${row.watch_id}`;
    if (blocked.has(watchKey)) continue;
    if (!(await claimTransition(s.db, row.id, now, new Date(now.getTime() - STALE_CLAIM_MS)))) {
      blocked.add(watchKey);
      continue;
    }
    if (row.draft_wanted && !row.draft_done_at && config === undefined) config = (await loadActiveMonitorsConfig(s.db, { lenient: true }))?.config ?? null;
    const errors = await carryOut(s, row, now, config ?? null);
    const error = errors.length > 0 ? errors.join("; ") : null;
    await finishTransitionAttempt(s.db, row.id, now, error, GIVE_UP_AFTER_ATTEMPTS);
    if (error) {
      failed++;
      blocked.add(watchKey);
      console.error(`monitors: effects of ${row.id} failed (attempt ${row.attempts + 1}): ${error}`);
      await recordCheckFailure(s.db, "monitors:dispatch", now, `${row.id}: ${error}`);
    } else done++;
  }
  return { done, failed };
}

async function carryOut(s: DispatchServices, row: TransitionRow, now: Date, config: MonitorsConfig | null): Promise<string[]> {
  const errors: string[] = [];
  const step = async (name: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      errors.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  if (row.job && !row.job_sent_at) {
    await step("queue", async () => {
      await s.queue.send(Job.parse(JSON.parse(row.job!)));
      await markTransitionStep(s.db, row.id, "job_sent_at", now);
    });
  }
  if (row.component_id && !row.component_done_at) await step("component", () => moveLinkedComponent(s, row, now));
  if (row.draft_wanted && !row.draft_done_at) await step("draft", () => writeDraft(s.db, row, now, config));
  return errors;
}

async function moveLinkedComponent(s: DispatchServices, row: TransitionRow, now: Date): Promise<void> {
  const db = s.db;
  const componentId = row.component_id!;
  const current = (await componentsById(db, [componentId])).get(componentId);
  if (current) {
    const move = { componentId, action: row.component_action!, to: row.component_to as ComponentStatus };
    const applied = (await componentAppliedBy(db, row.source, row.watch_id)) as ComponentStatus | null;
    if (componentMoveDecision(move, current.status, applied)) {
      await moveComponent(s, componentId, move.to, `${row.source}:${row.watch_id}`, now);
      await setComponentAppliedStatement(db, row.source, row.watch_id, move.to === "operational" ? null : move.to).run();
    } else if (move.action === "restore") {
      // Staff changed the component since (or it is under maintenance): it is theirs now.
      await setComponentAppliedStatement(db, row.source, row.watch_id, null).run();
    }
  }
  // A component deleted since needs nothing.
  await markTransitionStep(db, row.id, "component_done_at", now);
}

async function writeDraft(db: D1Database, row: TransitionRow, now: Date, config: MonitorsConfig | null): Promise<void> {
  const def = row.source === "monitor" ? config?.monitors.find((m) => m.id === row.watch_id) : config?.heartbeats.find((h) => h.id === row.watch_id);
  const componentId = row.component_id ?? def?.component ?? null;
  const component = componentId ? (await componentsById(db, [componentId])).get(componentId) : undefined;
  const input = draftIncident({
    watchName: def?.name ?? row.watch_id,
    componentId: component ? component.id : null,
    componentName: component?.name ?? null,
    componentStatus: component ? (def?.componentEffect.down ?? "major_outage") : null,
    at: new Date(row.created_at),
  });
  await insertDraftStatement(db, {
    id: `drf_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`,
    transitionId: row.id,
    source: row.source,
    watchId: row.watch_id,
    name: input.name,
    impact: input.impact,
    body: input.body,
    components: input.components,
    now,
  }).run();
  await markTransitionStep(db, row.id, "draft_done_at", now);
}
