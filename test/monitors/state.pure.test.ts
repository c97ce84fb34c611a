// Hysteresis, table-driven: a stream of results becomes a status only after N in a row (M to
// recover). Each row feeds results one by one from "up" and lists the changes they cause.
import { describe, expect, it } from "vitest";
import { freshCounters, observe, type Hysteresis, type Observation, type WatchCounters } from "../../functions/monitors/state.pure";

function run(results: Observation[], h: Hysteresis, start: WatchCounters = freshCounters) {
  let c = start;
  const changes: string[] = [];
  for (const [i, r] of results.entries()) {
    const out = observe(c, r, h);
    if (out.change) changes.push(`${i + 1}:${out.change.from}->${out.change.to}`);
    c = out.counters;
  }
  return { status: c.status, changes };
}

const N3M2 = { failuresToDown: 3, successesToRecover: 2 };
const N1M1 = { failuresToDown: 1, successesToRecover: 1 };

describe("observe: N failures in a row to go down, M successes to recover", () => {
  it.each<[string, Observation[], Hysteresis, string[], string]>([
    ["all up: nothing happens", ["up", "up", "up"], N3M2, [], "up"],
    ["two failures are a blip", ["down", "down", "up", "down", "down", "up"], N3M2, [], "up"],
    ["three failures in a row: down at the third", ["down", "down", "down"], N3M2, ["3:up->down"], "down"],
    ["one success after going down is not a recovery", ["down", "down", "down", "up", "down"], N3M2, ["3:up->down"], "down"],
    ["two successes in a row recover", ["down", "down", "down", "up", "up"], N3M2, ["3:up->down", "5:down->up"], "up"],
    ["staying down sends no second change", ["down", "down", "down", "down", "down", "down"], N3M2, ["3:up->down"], "down"],
    ["N=1 reacts to every failure", ["down", "up", "down"], N1M1, ["1:up->down", "2:down->up", "3:up->down"], "down"],
    ["slow answers (degraded) in a row: degraded", ["degraded", "degraded", "degraded"], N3M2, ["3:up->degraded"], "degraded"],
    ["degraded then down counts toward degraded, downs toward down", ["degraded", "down", "down", "down"], N3M2, ["3:up->degraded", "4:degraded->down"], "down"],
    ["down to degraded needs M results that are not down", ["down", "down", "down", "degraded", "degraded"], N3M2, ["3:up->down", "5:down->degraded"], "degraded"],
    ["down then M ups goes straight to up", ["down", "down", "down", "up", "up"], N3M2, ["3:up->down", "5:down->up"], "up"],
    ["degraded recovers after M ups", ["degraded", "degraded", "degraded", "up", "up"], N3M2, ["3:up->degraded", "5:degraded->up"], "up"],
    ["inconclusive results change nothing and break no streak", ["down", "inconclusive", "down", "inconclusive", "down"], N3M2, ["5:up->down"], "down"],
    ["inconclusive never recovers", ["down", "down", "down", "inconclusive", "inconclusive", "inconclusive"], N3M2, ["3:up->down"], "down"],
  ])("%s", (_name, results, h, changes, status) => {
    expect(run(results, h)).toEqual({ status, changes });
  });

  it("keeps the streak counts a change is explained with", () => {
    const { counters } = observe({ ...freshCounters, badStreak: 2, downStreak: 2 }, "down", N3M2);
    expect(counters).toEqual({ status: "down", badStreak: 3, downStreak: 3, goodStreak: 0, notDownStreak: 0 });
  });
});
