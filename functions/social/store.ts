// Storing what arrived, before anything is decided about it: one D1 batch, deduplicated by
// network and message id (the same mention polled and pushed by a webhook, or a webhook
// delivered twice, is stored once), then the handling job is dispatched.
import type { Services } from "../platform/services";
import type { InboundMessage, NetworkName } from "./message.pure";
import { insertInboundStatement, usageStatements } from "./queries";
import type { Usage } from "./spend.pure";

/** Stores messages; returns how many were new (the rest had been seen before). */
export async function storeInbound(
  svc: Pick<Services, "db" | "queue">,
  network: NetworkName,
  messages: readonly InboundMessage[],
  via: "poll" | "webhook",
  now: Date,
  usage: Usage = {},
): Promise<number> {
  const statements = [...messages.map((m) => insertInboundStatement(svc.db, network, m, via, now.toISOString())), ...usageStatements(svc.db, network, usage, now)];
  if (statements.length === 0) return 0;
  const results = await svc.db.batch<{ message_id: string }>(statements);
  const fresh = results.slice(0, messages.length).filter((r) => r.results.length > 0).length;
  if (fresh > 0) await svc.queue.dispatch({ type: "social.inbound", network });
  return fresh;
}
