// Walking an escalation plan: pure, so timelines are tested with a controlled clock.
import type { EscalationPlan } from "../oncall/config";

export interface Step {
  level: number;
  round: number;
}

/** The page after (level, round): the next level, else the first level of the next round,
 * else null (the policy ran `repeat + 1` times and nobody acknowledged). */
export function nextStep(plan: EscalationPlan, current: Step): Step | null {
  if (current.level + 1 < plan.levels.length) return { level: current.level + 1, round: current.round };
  if (current.round < plan.repeat && plan.levels.length > 0) return { level: 0, round: current.round + 1 };
  return null;
}

/** Order of steps, for "only ever move forward" checks (levels are at most 10 per policy). */
export function stepOrdinal(step: Step): number {
  return step.round * 100 + step.level;
}

/** When the step after `step` falls due, paged at `pagedAt`. */
export function dueAt(plan: EscalationPlan, step: Step, pagedAt: Date): Date {
  const minutes = plan.levels[step.level]?.timeoutMinutes ?? 0;
  return new Date(pagedAt.getTime() + minutes * 60_000);
}

/** Every page of a plan that nobody acknowledges, with its time: the whole timeline. */
export function unacknowledgedTimeline(plan: EscalationPlan, start: Date): Array<Step & { at: Date }> {
  const out: Array<Step & { at: Date }> = [];
  if (plan.levels.length === 0) return out;
  let step: Step | null = { level: 0, round: 0 };
  let at = start;
  while (step) {
    out.push({ ...step, at });
    at = dueAt(plan, step, at);
    step = nextStep(plan, step);
  }
  return out;
}
