// What arrives (polled or pushed by a webhook) is stored first (store.ts, poll.ts),
// deduplicated by network and message id, so running polling and webhooks side by side never
// doubles a report, and a webhook is answered as soon as its events are durable. Then each
// stored message is handled once: ignored (rules.pure.ts), added to an open report as a
// follow-up, or filed through the one intake function (its channel message id makes a repeat
// harmless), and answered: a public reply and a private answer to a mention, a private answer
// to a direct message.
import { ApiError } from "../platform/errors";
import type { Services } from "../platform/services";
import { addFollowUp } from "../reports/followup";
import { IntakeUnavailableError, intakeReport, type IntakeResult } from "../reports/intake";
import { findReportById } from "../reports/queries";
import { readSocialConfig, type SocialConfig } from "./config";
import { InboundMessage, type NetworkName } from "./message.pure";
import {
  claimPendingInbound,
  countPendingInbound,
  insertPostStatement,
  lookupForMessage,
  markInboundDoneStatement,
  recentReplies,
  releaseInbound,
  type NewPost,
} from "./queries";
import { networkOf } from "./registry";
import { followUpBody, followUpScope, reportInput, triage } from "./rules.pure";
import { privateAnswerText, publicReplyText } from "./texts.pure";

export type InboundServices = Pick<Services, "db" | "queue" | "mail" | "config" | "defer" | "channelSettings">;

/** Messages handled per run; a job with more waiting sends itself again. */
export const INBOUND_BATCH = 25;
/** A claim older than this belonged to a handler that died: another run takes it over. */
export const INBOUND_LEASE_MS = 2 * 60_000;

export interface InboundRun {
  /** What became of each message handled, in order ("report R-…", "followup R-…", "ignored: …"). */
  outcomes: string[];
  /** Messages still waiting (not claimed by anyone). */
  remaining: number;
}

/** What the answers of one run may still use: counted once per run, then kept here. */
interface ReplyBudget {
  replies: number;
  linked: number;
  /** People answered publicly within the hour. */
  authors: Set<string>;
}

export async function handlePendingInbound(svc: InboundServices, network: NetworkName, now: Date, limit = INBOUND_BATCH): Promise<InboundRun> {
  const staleBefore = new Date(now.getTime() - INBOUND_LEASE_MS).toISOString();
  const claimed = await claimPendingInbound(svc.db, network, now.toISOString(), staleBefore, limit);
  const outcomes: string[] = [];
  if (claimed.length > 0) {
    const config = readSocialConfig(svc.channelSettings);
    const budget = await recentReplies(svc.db, network, new Date(now.getTime() - 3_600_000).toISOString());
    for (const row of claimed) {
      try {
        outcomes.push(await handleOne(svc, network, row.messageId, row.message, config, budget, now));
      } catch (err) {
        // Storage is down (intake paged on-call by mail): give the rest back for a later run.
        if (err instanceof IntakeUnavailableError) {
          for (const r of claimed.slice(claimed.indexOf(row))) await releaseInbound(svc.db, network, r.messageId, err.message).catch(() => undefined);
          outcomes.push(`retrying: ${err.message}`);
          break;
        }
        throw err;
      }
    }
  }
  return { outcomes, remaining: await countPendingInbound(svc.db, network, staleBefore) };
}

async function handleOne(svc: InboundServices, network: NetworkName, messageId: string, stored: string, config: SocialConfig, budget: ReplyBudget, now: Date): Promise<string> {
  const doneStatement = (outcome: string, reportId: string | null = null) => markInboundDoneStatement(svc.db, { network, messageId, outcome, reportId, now: now.toISOString() });
  const done = (outcome: string, reportId: string | null = null) => doneStatement(outcome, reportId).run().then(() => outcome);
  let data: unknown;
  try {
    data = JSON.parse(stored);
  } catch {
    data = null;
  }
  const parsed = InboundMessage.safeParse(data);
  if (!parsed.success) return done(`failed: the stored message does not parse (${parsed.error.issues[0]?.message ?? "?"})`);
  const msg = parsed.data;

  const verdict = triage(msg, config.keywords);
  if (verdict.action === "ignore") return done(`ignored: ${verdict.reason}`);

  const { followUpReportId, incidentId } = await lookupForMessage(svc.db, followUpScope(network, msg, now), msg.kind === "mention" ? [msg.conversationId ?? "", msg.inReplyToId ?? ""] : []);
  const open = followUpReportId ? await findReportById(svc.db, followUpReportId) : null;
  if (open) {
    await addFollowUp(svc, open, followUpBody(network, msg), now);
    return done(`followup ${open.reference}`, open.id);
  }

  let result: IntakeResult;
  try {
    result = await intakeReport(svc, reportInput(network, msg, incidentId), { now });
  } catch (err) {
    // The incident was closed in between: file it as a report of its own.
    if (incidentId && err instanceof ApiError && err.options.fields?.incident) result = await intakeReport(svc, reportInput(network, msg, null), { now });
    else if (err instanceof ApiError && err.code === "validation_failed") return done(`failed: ${err.message}`);
    else throw err;
  }
  const outcome = `report ${result.report.reference}`;
  // The path canary's message is answered by nobody: its author is the canary itself.
  const posts = result.report.synthetic ? [] : answersTo(svc, network, msg, result, config, budget, now);
  // The answers and the outcome in one batch: a message marked done has its answers queued.
  await svc.db.batch([...posts.map((p) => insertPostStatement(svc.db, p)), doneStatement(outcome, result.report.id)]);
  if (posts.some((p) => p.state !== "skipped")) await svc.queue.dispatch({ type: "social.send", network });
  return outcome;
}

/**
 * The answers to a new report. A mention gets a public reply ("we're on it", the status page,
 * never the private link) and a private answer with the private link, unless we answered the
 * same person within the hour or the network's hourly ceiling is reached (a storm, or someone
 * mentioning us in a loop, must not make us post thousands of times: those are recorded as
 * skipped). A direct message always gets its private answer: it is how the reporter gets the
 * link to follow their report, and it is never optional (the spend cap does not stop it).
 */
function answersTo(svc: InboundServices, network: NetworkName, msg: InboundMessage, result: IntakeResult, config: SocialConfig, budget: ReplyBudget, now: Date): NewPost[] {
  const createdAt = now.toISOString();
  const facts = { reference: result.report.reference, statusUrl: `${svc.config.publicUrl}/`, privateUrl: result.viewUrl };
  const common = { network, replyTo: msg.id, replyRef: msg.replyRef, recipientId: msg.authorId, recipientHandle: msg.authorHandle, reportId: result.report.id, createdAt };
  if (msg.kind === "direct") {
    return [{ ...common, id: `${network}:private:${msg.id}`, kind: "private", body: privateAnswerText(facts), hasLink: true, optional: false }];
  }
  const skip = budget.authors.has(msg.authorId)
    ? "we answered this person within the hour"
    : budget.replies >= config.repliesPerHour
      ? `the hourly ceiling of ${config.repliesPerHour} replies is reached`
      : null;
  const link = !networkOf(network).linksCostExtra || budget.linked < config.linkedRepliesPerHour;
  if (!skip && result.created) {
    budget.replies++;
    if (link) budget.linked++;
    budget.authors.add(msg.authorId);
  }
  const state = skip ? ("skipped" as const) : ("queued" as const);
  return [
    { ...common, id: `${network}:reply:${msg.id}`, kind: "reply", body: publicReplyText(facts, link), hasLink: link, optional: true, state, lastError: skip },
    { ...common, id: `${network}:private:${msg.id}`, kind: "private", body: privateAnswerText(facts), hasLink: true, optional: true, state, lastError: skip },
  ];
}
