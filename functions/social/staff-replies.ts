// Staff replies to a reporter who wrote on a social network, sent back on that network: a
// private message (an X DM, a Mastodon post with direct visibility, a Bluesky chat message)
// with the reply and their private link; on X, when the reporter's DMs are closed to us, a
// public reply to their post instead, with the reply and the reference but never the private
// link. Each network says in its own folder how long a private message may be and how it
// refuses one (`privateLength`, `privateRefused` in types.ts); this is the one `ReplySender`
// they share, registered per network in functions/inbox/reply-senders.ts.
//
// It sends directly rather than through the outbox (social_posts' queue): the inbox has claimed
// the reply's delivery (reply_deliveries) before calling, so a repeated queue delivery never
// gets here twice, and staff see the network's answer as the delivery's state. What is sent is
// recorded in social_posts as sent, part by part: a reply in several parts that failed half-way
// goes on from the part that failed, and the reporter's answer to it joins their report. A 429,
// a 5xx or a timeout is tried again by the reply's queue job; X's usage is counted towards the
// spend cap, and at the cap a public reply is not posted (a DM still is, as the room's answers
// to DMs are: reaching a customer is never optional).
import { InboundMessage, type NetworkName } from "./message.pure";
import { usageOfPost } from "./outbound";
import { insertSentPostStatement, latestMessageOfReport, sentPostsAmong, usageStatements } from "./queries";
import { contextFor, isConfigured, networkOf } from "./registry";
import { spendOf } from "./spend";
import { staffReplyTexts } from "./texts.pure";
import { SocialApiError, type NetworkContext, type SocialNetwork } from "./types";
import type { Report } from "../reports/queries";
import { ReplyRetryLater, type ReplySender, type ReplyServices, type ReporterReply } from "../reports/replies";

export function socialReplySender(name: NetworkName): ReplySender {
  return {
    channel: name,
    reach(report) {
      const handle = name === "x" ? report.reporter.xHandle : report.reporter.socialHandle;
      return handle ? `@${handle} on ${networkOf(name).label}` : null;
    },
    async send(svc, report, reply) {
      try {
        return await sendStaffReply(svc, networkOf(name), report, reply);
      } catch (err) {
        if (err instanceof SocialApiError && err.retryable) throw new ReplyRetryLater(err.message);
        throw err;
      }
    },
  };
}

async function sendStaffReply(svc: ReplyServices, network: SocialNetwork, report: Report, reply: ReporterReply): Promise<{ providerId: string | null }> {
  const settings = svc.channelSettings;
  if (!isConfigured(network, settings)) throw new Error(`${network.label} is not configured (${network.requiredSettings.join(", ")})`);
  const msg = parseStored(await latestMessageOfReport(svc.db, network.name, report.id));
  if (!msg) throw new Error(`no message of the reporter on ${network.label} is stored to answer`);
  const now = new Date();
  const ctx = contextFor(svc.db, network, settings, now);
  const facts = { body: reply.body, staffName: reply.staffName, reference: report.reference, privateLink: reply.privateLink };
  try {
    const texts = staffReplyTexts(facts, network.privateLength?.(settings, msg.authorHandle) ?? network.length(settings), "private");
    return await sendParts(svc, network, ctx, { report, reply, msg, kind: "private", texts, now });
  } catch (err) {
    if (!(err instanceof SocialApiError && network.privateRefused?.(err))) throw err;
    if (msg.kind !== "mention") throw new Error(`${network.label}: the reporter takes no direct messages from us and wrote only privately, so there is no post to answer (${err.message})`);
  }
  if (network.billed && (await spendOf(svc.db, network, settings, now)).capReached) {
    throw new Error(`${network.label}: the reporter takes no direct messages from us, and the monthly spend cap stops public replies`);
  }
  const texts = staffReplyTexts(facts, network.length(settings), "public");
  return sendParts(svc, network, ctx, { report, reply, msg, kind: "reply", texts, now });
}

function parseStored(stored: string | null): InboundMessage | null {
  if (!stored) return null;
  try {
    const parsed = InboundMessage.safeParse(JSON.parse(stored));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Sends the parts not sent yet, in order (public parts each answer the one before). */
async function sendParts(
  svc: ReplyServices,
  network: SocialNetwork,
  ctx: NetworkContext,
  p: { report: Report; reply: ReporterReply; msg: InboundMessage; kind: "private" | "reply"; texts: string[]; now: Date },
): Promise<{ providerId: string | null }> {
  const ids = p.texts.map((_, i) => `${network.name}:staff:${p.reply.messageId}:${p.kind}:${i}`);
  const done = await sentPostsAmong(svc.db, ids);
  const recipient = { id: p.msg.authorId, handle: p.msg.authorHandle };
  let previous: { id: string; ref: Record<string, unknown> | null } = { id: p.msg.id, ref: p.msg.replyRef };
  let first: string | null = null;
  for (const [i, text] of p.texts.entries()) {
    const id = ids[i]!;
    const already = done.get(id);
    if (already) {
      first ??= already;
      if (p.kind === "reply") previous = { id: already, ref: null };
      continue;
    }
    const hasLink = p.kind === "private" && i === 0 && p.reply.privateLink !== null;
    const sent = await network.send(ctx, { id, kind: p.kind, text, replyTo: previous, threadRoot: null, recipient });
    const nowIso = new Date().toISOString();
    await svc.db.batch([
      insertSentPostStatement(svc.db, {
        id,
        network: network.name,
        kind: p.kind,
        body: text,
        hasLink,
        replyTo: previous.id,
        recipientId: recipient.id,
        recipientHandle: recipient.handle,
        reportId: p.report.id,
        remoteId: sent.remoteId,
        remoteRef: sent.remoteRef,
        now: nowIso,
      }),
      ...usageStatements(svc.db, network.name, usageOfPost({ kind: p.kind, hasLink }), p.now),
    ]);
    first ??= sent.remoteId;
    if (p.kind === "reply") previous = { id: sent.remoteId, ref: null };
  }
  return { providerId: first };
}
