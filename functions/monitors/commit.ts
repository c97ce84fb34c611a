// Stores one evaluation: the guarded state write, the transition row (only if that write won)
// and whatever else belongs with the observation (a result row, a ping), in one D1 batch.
import { insertTransitionStatement, markDraftsRecoveredStatement, writeStateStatement } from "./queries";
import type { Evaluation, WatchState } from "./watch.pure";

export interface Committed {
  /** False when another run changed the state first (nothing of ours but `extra` was stored). */
  won: boolean;
  transitionId: string | null;
}

export async function commitEvaluation(
  db: D1Database,
  prev: WatchState,
  ev: Evaluation,
  reason: string,
  now: Date,
  extra: D1PreparedStatement[] = [],
): Promise<Committed> {
  const runId = crypto.randomUUID();
  const statements = [writeStateStatement(db, ev.next, prev.seq, runId)];
  if (ev.plan) {
    statements.push(
      insertTransitionStatement(db, { plan: ev.plan, source: prev.source, watchId: prev.watchId, from: prev.status, to: ev.next.status, reason, now, runId }),
    );
    if (ev.next.status === "up") statements.push(markDraftsRecoveredStatement(db, prev.source, prev.watchId, now, runId));
  }
  statements.push(...extra);
  const [written] = await db.batch(statements);
  const won = written!.meta.changes === 1;
  return { won, transitionId: won && ev.plan ? ev.plan.id : null };
}
