// The seam fan-out depends on: who to page for a report's route, at an instant.
import type { EscalationPlan, PageTarget, RouteChannel } from "./config";
import type { Urgency } from "../../contract/reports";
import { loadActiveConfig } from "./queries";
import { planFor, toPageTarget } from "./resolve";

/**
 * Loads the active on-call configuration, picks the policy by the routing rules and resolves
 * every level to the people to page at `at` (rotations to whoever is on call then, overrides
 * included). Null when no configuration was ever pushed. Levels whose rotations are all in a
 * gap are left out; a plan can therefore have no levels at all (nobody to page): callers must
 * record that loudly. A stored version that no longer passes the schema is still used as
 * stored (logged; the doctor fails on it): paging with it beats paging nobody.
 */
export async function escalationPlanFor(
  db: D1Database,
  route: { channel: RouteChannel; urgency: Urgency; componentId: string | null },
  at: Date,
): Promise<EscalationPlan | null> {
  const stored = await loadActiveConfig(db, { lenient: true });
  if (!stored) return null;
  return planFor(stored.config, route, at);
}

/** A person of the active configuration, as a page target (for test pages, acks, fallbacks). */
export async function findPerson(db: D1Database, personId: string): Promise<PageTarget | null> {
  const stored = await loadActiveConfig(db, { lenient: true });
  const person = stored?.config.people.find((p) => p.id === personId);
  return person ? toPageTarget(person) : null;
}

/** Everyone in the active configuration, as page targets (the path canary checks every
 * contact method anyone may be paged on, whichever policy routes to them). */
export async function allPageTargets(db: D1Database): Promise<PageTarget[]> {
  const stored = await loadActiveConfig(db, { lenient: true });
  return stored ? stored.config.people.map(toPageTarget) : [];
}
