// The email() handler: Cloudflare Email Routing hands every mail for an intake address to this
// Worker. The urgent address must reach on-call whatever fails, so, in this order:
//   1. forward it to every destination configured for the address, before anything else and
//      independently of D1, R2, the queue and parsing (forward.ts);
//   2. keep it whole: raw bytes in R2, a row in D1; with D1 down, a marker in R2 for the sweep
//      (store.ts);
//   3. if neither a forward nor storage succeeded, throw: Cloudflare answers the sending server
//      with a temporary SMTP failure and it retries later (see docs/architecture.md, "Inbound
//      email"). Never accept a mail and then drop it;
//   4. process it (process.ts): a report, a follow-up, a bounce, a staff update ...; a failure
//      here does not refuse the mail (it is stored): the sweep processes it again.
// Mail to a `status` address is checked first (allow-listed staff, authenticated) and refused
// with a reason when it is not; refused mail is not kept.
import { recordCheckFailure } from "../assurance/queries";
import { buildServices } from "../platform/services";
import { runJob } from "../queue/consumer";
import { sendMail } from "../reports/mail";
import { siteConfig } from "../../site.config";
import { bareAddress, baseAddress, intakeEntryFor, ownAddresses } from "./addresses.pure";
import { classifyMail } from "./classify.pure";
import { forwardToAll, recordForwards } from "./forward";
import { firstHeader, headerBlockOf, parseHeaderBlock, type HeaderLine } from "./headers.pure";
import { processInbound, type EmailServices, type ProcessOutcome } from "./process";
import { claimInbound, finishInboundStatement, insertInboundStatement, releaseInbound, type ForwardOutcome, type InboundEmail } from "./queries";
import { keptPerIsolate } from "../platform/isolate-memory";
import { checkStaffSender } from "./staff-updates";
import { receiveCanaryRoundTrip } from "./canary-round-trip";
import { messageIdOf, storeInbound, type Envelope } from "./store";

/** Email Routing's own limit is 25 MiB; anything larger never reaches a Worker in production. */
export const MAX_INBOUND_EMAIL_BYTES = 25 * 1024 * 1024;
/** A processing lease older than this belongs to an invocation that died. */
export const PROCESSING_LEASE_MS = 2 * 60_000;

/** Thrown when the mail is neither forwarded nor stored: the sending server must retry. */
export class TemporaryFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TemporaryFailure";
  }
}

export async function receiveEmail(message: ForwardableEmailMessage, env: Env, ctx?: ExecutionContext): Promise<void> {
  const svc = buildServices(env, ctx ? (work) => ctx.waitUntil(work) : undefined, runJob);
  if (await receiveCanaryRoundTrip(svc, env.ASSURANCE_CANARY_MAIL, message, new Date())) return;
  await handleInboundEmail(svc, message, { now: new Date() });
}

async function readRaw(message: ForwardableEmailMessage): Promise<Uint8Array | null> {
  try {
    return new Uint8Array(await new Response(message.raw).arrayBuffer());
  } catch (err) {
    console.error("email: the raw mail could not be read", err);
    return null;
  }
}

function envelopeOf(message: ForwardableEmailMessage, headers: HeaderLine[], messageId: string, intakeAddress: string, now: Date): Envelope {
  return {
    messageId,
    mailFrom: message.from ?? "",
    headerFrom: bareAddress(firstHeader(headers, "from")) || null,
    rcptTo: baseAddress(message.to),
    intakeAddress,
    subject: (firstHeader(headers, "subject") ?? "").slice(0, 998) || null,
    rawSize: message.rawSize,
    receivedAt: now,
  };
}

/**
 * `synthetic`: the path canary's mail (functions/canary), which goes through everything here
 * but the forward: forwarding it would put a test in people's mailboxes and in the forward's
 * own assurance record.
 */
export async function handleInboundEmail(svc: EmailServices, message: ForwardableEmailMessage, opts: { now: Date; synthetic?: boolean }): Promise<void> {
  const { now } = opts;
  const { entry } = intakeEntryFor(svc.config.email.intake.entries, message.to);
  if (message.rawSize > MAX_INBOUND_EMAIL_BYTES + 64 * 1024) {
    message.setReject(`Message too large: the limit is ${MAX_INBOUND_EMAIL_BYTES / 1024 / 1024} MB. Send large files as a link${siteConfig.contacts.phone ? `, or call ${siteConfig.contacts.phone}` : ""}.`);
    return;
  }

  if (entry.purpose === "status") return receiveStatusMail(svc, message, entry, now);

  // 1. Forward first.
  const forwards = opts.synthetic ? [] : await forwardToAll(message, entry);
  const forwarded = forwards.some((f) => f.ok);

  // 2. Keep it whole.
  const raw = await readRaw(message);
  const headers = raw ? parseHeaderBlock(headerBlockOf(raw)) : [];
  const envelope = envelopeOf(message, headers, raw ? await messageIdOf(firstHeader(headers, "message-id"), raw) : `<unreadable-${crypto.randomUUID()}@no-message-id.invalid>`, entry.address, now);
  const stored = raw ? await storeInbound(svc, envelope, raw, forwards) : { durable: false, file: null, row: null, errors: ["the raw mail could not be read"] };
  if (forwards.length > 0) svc.defer(recordForwards(svc, entry, forwards, now).catch((err: unknown) => console.error("email: recording forwards failed", err)));

  // 3. Neither forwarded nor stored: the sending server keeps it and retries.
  if (!stored.durable && !forwarded) {
    console.error(`email: ${envelope.messageId} from ${envelope.mailFrom} neither forwarded nor stored: ${stored.errors.join("; ")}`);
    throw new TemporaryFailure(`The mail could not be stored or forwarded (${stored.errors.join("; ") || "no forward destination"}). Please retry later.`);
  }

  // D1 is down: the sweep files it later; meanwhile on-call hears of it directly.
  if (!stored.row) {
    svc.defer(pageUnfiledMail(svc, envelope, headers, forwards, stored.errors, now));
    return;
  }
  // 4. Process, once: a redelivery of mail whose first processing died is left to the sweep,
  //    so that a mail that kills its processor cannot make the sender retry for ever.
  if (!raw || stored.row.state !== "received" || stored.row.attempts > 0 || !stored.row.rawFileId) return;
  const outcome = await processClaimed(svc, stored.row, raw, { message, now });
  if (outcome?.reject) message.setReject(outcome.reject);
}

/**
 * Takes the row, processes it and records what it became; a failure gives the row back for
 * the sweep. Returns the outcome, or null when someone else had it or processing failed.
 */
export async function processClaimed(svc: EmailServices, row: InboundEmail, raw: Uint8Array, ctx: { message?: ForwardableEmailMessage; now: Date }): Promise<ProcessOutcome | null> {
  const iso = ctx.now.toISOString();
  if (!(await claimInbound(svc.db, row.id, iso, new Date(ctx.now.getTime() - PROCESSING_LEASE_MS).toISOString()))) return null;
  try {
    const outcome = await processInbound(svc, row, raw, ctx);
    // What it became, and what processing left to write (files attached to the report, the
    // Message-ID of our answer), in one batch.
    await svc.db.batch([
      finishInboundStatement(svc.db, row.id, {
        state: outcome.kind === "refused" ? "refused" : "processed",
        kind: outcome.kind,
        reportId: outcome.reportId,
        subject: outcome.subject || null,
        detail: outcome.detail,
        now: iso,
      }),
      ...outcome.statements,
    ]);
    return outcome;
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    console.error(`email: processing ${row.messageId} failed (attempt ${row.attempts + 1}); the sweep will retry`, err);
    await releaseInbound(svc.db, row.id, text).catch(() => undefined);
    await recordCheckFailure(svc.db, "intake:email", ctx.now, `processing ${row.messageId}: ${text}`).catch(() => undefined);
    return null;
  }
}

/** Staff updates: refused at once unless from allow-listed, authenticated staff. */
async function receiveStatusMail(svc: EmailServices, message: ForwardableEmailMessage, entry: ReturnType<typeof intakeEntryFor>["entry"], now: Date): Promise<void> {
  const raw = await readRaw(message);
  if (!raw) throw new TemporaryFailure("The mail could not be read. Please retry later.");
  const headers = parseHeaderBlock(headerBlockOf(raw));
  const envelope = envelopeOf(message, headers, await messageIdOf(firstHeader(headers, "message-id"), raw), entry.address, now);
  const sender = checkStaffSender(entry, headers, message.from ?? "", svc.config.email.authservIds);
  if (!sender.ok) {
    message.setReject(sender.reason);
    // A note of the refusal (who tried what), never the mail itself.
    await insertInboundStatement(svc.db, {
      id: `in_${crypto.randomUUID().replace(/-/g, "").slice(0, 24)}`,
      ...envelope,
      receivedAt: now.toISOString(),
      rawFileId: null,
      forwards: [],
      state: "refused",
      kind: "refused",
      error: sender.reason,
    })
      .run()
      .catch((err: unknown) => console.error("email: could not record a refused status mail", err));
    return;
  }
  const forwards = entry.forwardTo.length > 0 ? await forwardToAll(message, entry) : [];
  // No pending marker: an update posted later than it was sent could be stale, so when D1 is
  // down the staff member's server retries instead (their mail client says it is delayed).
  const stored = await storeInbound(svc, envelope, raw, forwards, { pendingMarker: false });
  if (!stored.row) throw new TemporaryFailure(`Status updates cannot be posted right now (${stored.errors.join("; ")}). Please retry later.`);
  if (stored.row.state !== "received") return;
  const outcome = await processClaimed(svc, stored.row, raw, { message, now });
  if (outcome?.reject) message.setReject(outcome.reject);
}

// At most one direct page per isolate in this window while D1 is down, however many mails
// arrive: the first says that more may follow, and each is filed when D1 returns.
const UNFILED_PAGE_WINDOW_MS = 5 * 60_000;
let lastUnfiledPageAt = 0;
keptPerIsolate(() => {
  lastUnfiledPageAt = 0;
});

/** D1 is down: the mail is kept in R2 and will be filed; tell on-call now, by mail. */
async function pageUnfiledMail(svc: EmailServices, e: Envelope, headers: HeaderLine[], forwards: ForwardOutcome[], errors: string[], now: Date): Promise<void> {
  const c = classifyMail({
    headers,
    envelopeFrom: e.mailFrom,
    headerFrom: e.headerFrom ?? "",
    subject: e.subject ?? "",
    contentType: (firstHeader(headers, "content-type") ?? "").toLowerCase(),
    own: ownAddresses(svc.config.email.intake.entries, svc.config.mailFrom),
  });
  if (c.machine) return;
  if (now.getTime() - lastUnfiledPageAt < UNFILED_PAGE_WINDOW_MS) return;
  lastUnfiledPageAt = now.getTime();
  const to = svc.config.fallbackPageTo;
  if (to.length === 0) {
    console.error("email: FALLBACK_PAGE_TO is empty: nobody can be told of mail stored while D1 is down");
    return;
  }
  const kept = !errors.some((x) => x.startsWith("R2:"));
  const text = [
    kept
      ? `Mail reached ${e.rcptTo} while the database is unavailable. It is kept (R2) and will be filed as a report, paging as usual, when the database is back.`
      : `Mail reached ${e.rcptTo} while both the database and file storage are unavailable. It was forwarded (below) but is NOT stored here: read it in the forward destination's mailbox.`,
    "More mail may follow; this is the only direct page for the next five minutes.",
    "",
    `Received:   ${now.toISOString()}`,
    `From:       ${e.headerFrom ?? e.mailFrom}`,
    `Subject:    ${(e.subject ?? "").slice(0, 200)}`,
    `Forwarded:  ${forwards.length === 0 ? "no destination configured" : forwards.map((f) => `${f.to} ${f.ok ? "ok" : `FAILED (${f.error})`}`).join(", ")}`,
    `Storage:    ${errors.join("; ")}`,
  ].join("\n");
  await sendMail(svc, to, { subject: `URGENT (mail not yet filed): ${(e.subject ?? "no subject").slice(0, 150)}`, text }).catch((err: unknown) =>
    console.error("email: the direct page failed too", err),
  );
}
