// A storm: 2,000 people mention us within minutes of an outage. Every mention is read (20 pages
// of 100, one cursor), stored and filed as a report; the fan-out (issue 6's rules, unchanged)
// pages each escalation level's people once and tells them the rest in at most one digest per
// window; our public replies stop at the hourly ceiling instead of posting 2,000 times.
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { flushDueDigests } from "../../alerts/digest";
import { escalateDueAlerts, resolveAlert } from "../../alerts/lifecycle";
import { handlePendingInbound } from "../inbound";
import { sendDuePosts } from "../outbound";
import { pollNetwork } from "../poll";
import { xNetwork } from "./network";
import { drain, minutes, pushConfig } from "../../../test/alerts/helpers";
import { forgetLeftovers, control, socialEnv } from "../../../test/social/helpers";

afterEach(forgetLeftovers);

beforeAll(async () => {
  await pushConfig(
    {
      version: 1,
      people: [
        { id: "ann", name: "Ann", timezone: "UTC", contactMethods: [{ type: "email", address: "ann@storm.example.test" }] },
        { id: "ben", name: "Ben", timezone: "UTC", contactMethods: [{ type: "email", address: "ben@storm.example.test" }] },
      ],
      policies: [{ id: "ops", levels: [{ timeoutMinutes: 5, targets: [{ person: "ann" }] }, { timeoutMinutes: 10, targets: [{ person: "ben" }] }] }],
      routing: { rules: [], defaultPolicy: "ops" },
    },
    new Date("2026-01-01T00:00:00Z"),
  );
});

async function deliveries(person: string, purposes: string[], since: Date) {
  const { results } = await env.DB.prepare(`SELECT * FROM deliveries WHERE person_id = ?1 AND created_at >= ?2 AND purpose IN (SELECT value FROM json_each(?3))`)
    .bind(person, since.toISOString(), JSON.stringify(purposes))
    .all<Record<string, string>>();
  return results;
}

describe("a storm of 2,000 mentions", () => {
  it("is stored whole, filed as 2,000 reports, pages each level once, and is answered no more than the hourly ceiling allows", { timeout: 600_000 }, async () => {
    const t = socialEnv();
    const start = new Date();
    await pollNetwork(t.svc, xNetwork, start); // polling begins before the storm
    await control(t, "x", "mentions", { count: 2000, text: `all sites down (${t.world})` });

    const [read] = await pollNetwork(t.svc, xNetwork, start);
    expect(read).toMatchObject({ pages: 20, stored: 2000, error: null });

    let filed = 0;
    const T = { handle: 0, drain: 0 };
    for (let batch = 0; batch < 40; batch++) {
      let c = Date.now();
      const run = await handlePendingInbound(t.svc, "x", start, 100);
      T.handle += Date.now() - c;
      filed += run.outcomes.filter((o) => o.startsWith("report ")).length;
      c = Date.now();
      await drain(t, start);
      T.drain += Date.now() - c;
      if (run.remaining === 0) break;
    }
    console.log("TIMING", JSON.stringify(T));
    expect(filed).toBe(2000);
    for (let i = 0; i < 10 && (await sendDuePosts(t.svc, xNetwork, start)).more; i++);

    // The cron for the next ten minutes: escalation and digests.
    for (let m = 1; m <= 10; m++) {
      const at = new Date(start.getTime() + minutes(m));
      await escalateDueAlerts(t.svc, at);
      await flushDueDigests(t.svc, at);
      await drain(t, at);
    }

    const ours = await env.DB.prepare(
      `SELECT COUNT(*) AS n, SUM(CASE WHEN r.alert_id IS NULL THEN 1 ELSE 0 END) AS unlinked
       FROM social_inbound i JOIN reports r ON r.id = i.report_id WHERE i.network = 'x' AND i.message LIKE ?1`,
    )
      .bind(`%(${t.world})%`)
      .first<{ n: number; unlinked: number }>();
    expect(ours).toEqual({ n: 2000, unlinked: 0 });

    const annPages = new Set((await deliveries("ann", ["page", "fallback"], start)).map((d) => d.alert_id));
    const benPages = new Set((await deliveries("ben", ["page", "fallback"], start)).map((d) => d.alert_id));
    expect(annPages.size).toBe(1); // level 1, once
    expect(benPages.size).toBe(1); // level 2, once, after its timeout
    const digestsOf = async (p: string) => new Set((await deliveries(p, ["digest"], start)).map((d) => d.id!.split(":")[0])).size;
    expect(await digestsOf("ann")).toBeLessThanOrEqual(3); // at most one per 5-minute window
    expect(await digestsOf("ben")).toBeLessThanOrEqual(2);

    const replies = await env.DB.prepare("SELECT state, COUNT(*) AS n FROM social_posts WHERE network = 'x' AND kind = 'reply' AND created_at = ?1 GROUP BY state")
      .bind(start.toISOString())
      .all<{ state: string; n: number }>();
    const byState = Object.fromEntries(replies.results.map((r) => [r.state, r.n]));
    expect(byState.sent).toBe(30);
    expect(byState.skipped).toBe(1970);

    await resolveAlert(t.svc, [...annPages][0]!, { actor: "test", via: "test" }, new Date(start.getTime() + minutes(11)));
  });
});
