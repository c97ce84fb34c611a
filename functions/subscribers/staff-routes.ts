// The staff side of subscribers. Scope admin where addresses and webhook URLs show (personal
// data and credentials); status:write for how far an update's delivery has got (counts only).
//   GET    /api/admin/subscribers                        counts by channel and state, a page of subscribers
//   POST   /api/admin/subscribers                        add confirmed email subscribers in bulk (a migration)
//   DELETE /api/admin/subscribers/{id}                   end a subscription (a request by mail, a complaint)
//   GET    /api/admin/subscribers/deliveries?update=...  sends of one update (or event) by state
import { Hono } from "hono";
import * as z from "zod";
import { SubscriberChannel } from "../../contract/jobs";
import { AddSubscribersInput, subscriberLimits } from "../../contract/subscribers";
import { parseWith, readJson } from "../platform/body";
import { ApiError } from "../platform/errors";
import type { AppEnv } from "../platform/types";
import { requireScope } from "../staff/auth";
import { auditStatement } from "../staff/queries";
import { findComponents } from "../status/queries";
import { addConfirmedEmailSubscribers, countSubscribers, deliveryProgress, findSubscriber, listSubscribers, unsubscribeStatement, type Subscriber } from "./queries";
import { newSubscriberId, SUBSCRIBER_ID } from "./tokens";

const ListQuery = z.object({
  channel: SubscriberChannel.optional(),
  state: z.enum(["pending", "active", "unsubscribed"]).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** The next_cursor of the previous page. */
  cursor: z.string().regex(SUBSCRIBER_ID, "Use the next_cursor of the previous page.").optional(),
});

/** A subscriber as staff see it: never the webhook secret or the confirmation token. */
function subscriberJson(s: Subscriber & { components: string[] }) {
  return {
    id: s.id,
    channel: s.channel,
    target: s.target,
    state: s.state,
    components: s.allComponents ? "all" : s.components,
    created_at: s.createdAt,
    confirmed_at: s.confirmedAt,
    unsubscribed_at: s.unsubscribedAt,
    unsubscribe_reason: s.unsubscribeReason,
    hard_bounces: s.hardBounces,
    soft_bounces: s.softBounces,
  };
}

/** A JSON body with up to `subscriberLimits.bulk` addresses and their component ids. */
const MAX_BULK_BYTES = 512 * 1024;

const DeliveriesQuery = z.object({ update: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "Use an update id (upd_…) or, for a component change, its event id (evt_…).") });

export const subscriberStaffRoutes = new Hono<AppEnv>()
  .get("/api/admin/subscribers/deliveries", requireScope("status:write"), async (c) => {
    const { update } = parseWith(DeliveriesQuery, c.req.query());
    c.header("Cache-Control", "no-store");
    return c.json({ update_id: update, ...(await deliveryProgress(c.get("services").db, update)) });
  })
  .get("/api/admin/subscribers", requireScope("admin"), async (c) => {
    const { db } = c.get("services");
    const q = parseWith(ListQuery, c.req.query());
    const [counts, page] = await Promise.all([countSubscribers(db), listSubscribers(db, { ...q, after: q.cursor })]);
    c.header("Cache-Control", "no-store");
    return c.json({
      counts,
      subscribers: page.map(subscriberJson),
      next_cursor: page.length === q.limit ? page.at(-1)!.id : null,
    });
  })
  .post("/api/admin/subscribers", requireScope("admin"), async (c) => {
    const svc = c.get("services");
    const input = await readJson(c.req.raw, AddSubscribersInput, MAX_BULK_BYTES);
    const componentIds = [...new Set(input.subscribers.flatMap((s) => s.components))];
    const known = new Set((await findComponents(svc.db, componentIds)).map((c) => c.id));
    const unknown = componentIds.filter((id) => !known.has(id));
    if (unknown.length > 0) throw new ApiError("validation_failed", `Unknown component: ${unknown[0]}.`, { fields: { components: `There is no component ${unknown[0]}.` } });
    // One row per address (the last one given wins within a call).
    const byEmail = new Map(input.subscribers.map((s) => [s.email, s]));
    const now = new Date();
    const added = await addConfirmedEmailSubscribers(
      svc.db,
      [...byEmail.values()].map((s) => ({ id: newSubscriberId(), email: s.email, components: s.components })),
      now.toISOString(),
    );
    await auditStatement(svc.db, { actor: c.get("staff").name, action: "subscribers.add", target: null, detail: { given: input.subscribers.length, added: added.length }, now }).run();
    c.header("Cache-Control", "no-store");
    return c.json({ added: added.length, unchanged: byEmail.size - added.length, limit: subscriberLimits.bulk }, 201);
  })
  .delete("/api/admin/subscribers/:id", requireScope("admin"), async (c) => {
    const svc = c.get("services");
    const id = c.req.param("id");
    const found = SUBSCRIBER_ID.test(id) ? await findSubscriber(svc.db, id) : null;
    if (!found) throw new ApiError("not_found", `There is no subscriber ${id}.`);
    const now = new Date();
    await svc.db.batch([
      unsubscribeStatement(svc.db, id, "staff", now.toISOString()),
      auditStatement(svc.db, { actor: c.get("staff").name, action: "subscriber.unsubscribe", target: id, now }),
    ]);
    c.header("Cache-Control", "no-store");
    return c.json({ id, state: "unsubscribed" });
  });
