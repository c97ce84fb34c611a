// From a configuration and a report's route to the escalation plan: pure, no I/O.
import type { EscalationPlan, EscalationPolicy, OncallConfig, PageTarget, Person, RouteChannel, RoutingRule } from "./config";
import type { Urgency } from "../../contract/reports";
import { onCallAt } from "./schedule";

export interface Route {
  channel: RouteChannel;
  urgency: Urgency;
  componentId: string | null;
}

export function ruleMatches(rule: RoutingRule, route: Route): boolean {
  if (rule.channels && !rule.channels.includes(route.channel)) return false;
  if (rule.urgencies && !rule.urgencies.includes(route.urgency)) return false;
  if (rule.components && (route.componentId === null || !rule.components.includes(route.componentId))) return false;
  return true;
}

/** The policy of the first matching rule, else the default policy. */
export function policyFor(config: OncallConfig, route: Route): EscalationPolicy {
  const rule = config.routing.rules.find((r) => ruleMatches(r, route));
  const policyId = rule ? rule.policy : config.routing.defaultPolicy;
  const policy = config.policies.find((p) => p.id === policyId);
  // The schema guarantees every referenced policy exists.
  if (!policy) throw new Error(`on-call configuration refers to a missing policy "${policyId}"`);
  return policy;
}

export function toPageTarget(person: Person): PageTarget {
  return { personId: person.id, name: person.name, timezone: person.timezone, contactMethods: person.contactMethods };
}

/**
 * The plan for a route at an instant: each level's rotations resolved to whoever is on call
 * then (overrides included), people to themselves, each person once per level. A level whose
 * rotations are all in a gap is left out, so the next level is paged at once rather than after
 * a timeout in which nobody was told.
 */
export function planFor(config: OncallConfig, route: Route, at: Date): EscalationPlan {
  const policy = policyFor(config, route);
  const people = new Map(config.people.map((p) => [p.id, p]));
  const rotations = new Map(config.rotations.map((r) => [r.id, r]));
  const levels: EscalationPlan["levels"] = [];
  for (const level of policy.levels) {
    const ids: string[] = [];
    for (const target of level.targets) {
      if ("person" in target) ids.push(target.person);
      else {
        const rotation = rotations.get(target.rotation);
        const shift = rotation ? onCallAt(rotation, at) : null;
        if (shift) ids.push(shift.personId);
      }
    }
    const targets = [...new Set(ids)].flatMap((id) => {
      const person = people.get(id);
      return person ? [toPageTarget(person)] : [];
    });
    if (targets.length > 0) levels.push({ timeoutMinutes: level.timeoutMinutes, targets });
  }
  return { policyId: policy.id, levels, repeat: policy.repeat };
}
