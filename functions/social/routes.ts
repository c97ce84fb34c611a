// The social room's routes: each network's webhooks (X: /hooks/x), mounted from the registry,
// and the staff view (scope reports:read):
//   GET /api/admin/social                  every network: configured?, streams, posts, spend
//   GET /api/admin/social/{network}/cost   this month's billable reads and writes, the estimate,
//                                          the projection and the cap (`npm run x -- cost`)
import { Hono } from "hono";
import { SocialChannel } from "../../contract/reports";
import { parseWith } from "../platform/body";
import type { AppEnv } from "../platform/types";
import { requireScope } from "../staff/auth";
import { listStreams, postCounts } from "./queries";
import { isConfigured, networkList, networkOf } from "./registry";
import { spendOf } from "./spend";
import * as z from "zod";

export const socialRoutes = new Hono<AppEnv>()
  .get("/api/admin/social", requireScope("reports:read"), async (c) => {
    const svc = c.get("services");
    const now = new Date();
    const since = new Date(now.getTime() - 24 * 3_600_000).toISOString();
    const networks = await Promise.all(
      networkList.map(async (n) => ({
        network: n.name,
        label: n.label,
        configured: isConfigured(n, svc.channelSettings),
        streams: (await listStreams(svc.db, n.name)).map((s) => ({
          stream: s.stream,
          last_polled_at: s.lastPolledAt,
          next_poll_at: s.nextPollAt,
          failures: s.failures,
          last_error: s.lastError,
        })),
        posts_last_24h: await postCounts(svc.db, n.name, since),
        spend: n.billed ? await spendOf(svc.db, n, svc.channelSettings, now) : null,
      })),
    );
    c.header("Cache-Control", "no-store");
    return c.json({ networks });
  })
  .get("/api/admin/social/:network/cost", requireScope("reports:read"), async (c) => {
    const { network } = parseWith(z.object({ network: SocialChannel }), c.req.param());
    const svc = c.get("services");
    const n = networkOf(network);
    c.header("Cache-Control", "no-store");
    return c.json({ network: n.name, billed: n.billed, ...(await spendOf(svc.db, n, svc.channelSettings, new Date())) });
  });

for (const network of networkList) if (network.routes) socialRoutes.route("/", network.routes);
