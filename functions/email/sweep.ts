// The email sweep, every minute (cron): nothing received is lost.
//   1. Mail stored in R2 while D1 was down (pending markers) is recorded and processed.
//   2. Mail whose processing failed or died is processed again (a few attempts, with the
//      lease keeping two processors apart).
//   3. Mail that still cannot be processed (attempts spent, or never stored because the
//      sender's retry never came) is marked failed and on-call is told directly by mail.
//   4. Raw mail kept in D1 before schema v8 moves to R2.
// Each part is bounded per run and independent of the others.
import { recordCheckFailure } from "../assurance/queries";
import { findFile, insertFileStatement } from "../files/queries";
import { storeFileBytes } from "../files/store";
import type { Services } from "../platform/services";
import type { CronTask } from "../platform/tasks";
import { sendMail } from "../reports/mail";
import { PROCESSING_LEASE_MS, processClaimed } from "./inbound";
import { findInbound, finishInbound, listInboundGivenUp, listInboundToRetry, listLegacyRaw, moveLegacyRawStatement, type InboundEmail } from "./queries";
import { PENDING_PREFIX, fileIdFor, recordInbound, type PendingMarker } from "./store";

/** Processing attempts before a mail is given up (and on-call told). */
export const MAX_ATTEMPTS = 5;
/** Mail per run (each may be 25 MB: a run must finish well within the cron's limits). */
const PER_RUN = 5;
const BYTES_PER_RUN = 60 * 1024 * 1024;
/** A mail recorded without its raw bytes waits this long for the sender's retry. */
const NO_RAW_GRACE_MS = 30 * 60_000;

async function rawOf(svc: Pick<Services, "db" | "files">, row: InboundEmail): Promise<Uint8Array | null> {
  if (!row.rawFileId) return null;
  const file = await findFile(svc.db, row.rawFileId);
  const object = file ? await svc.files.get(file.r2Key) : null;
  return object ? new Uint8Array(await object.arrayBuffer()) : null;
}

/** 1. Mail kept while D1 was down: record it, then process it like any other. */
export async function recordPendingMail(svc: Services, now: Date): Promise<InboundEmail[]> {
  const listed = await svc.files.list({ prefix: PENDING_PREFIX, limit: PER_RUN * 4 });
  const rows: InboundEmail[] = [];
  for (const object of listed.objects) {
    const body = await svc.files.get(object.key);
    if (!body) continue;
    let marker: PendingMarker;
    try {
      marker = JSON.parse(await body.text()) as PendingMarker;
    } catch {
      console.error(`email sweep: unreadable marker ${object.key}: kept for staff`);
      continue;
    }
    const row = await recordInbound(svc.db, marker.envelope, marker.file, marker.forwards);
    await svc.files.delete(object.key);
    rows.push(row);
  }
  return rows;
}

/** 2. Processes received mail nobody processed yet; returns how many it took. */
export async function processWaitingMail(svc: Services, now: Date, extra: InboundEmail[] = []): Promise<number> {
  const waiting = await listInboundToRetry(svc.db, {
    receivedBefore: new Date(now.getTime() - 60_000).toISOString(),
    staleBefore: new Date(now.getTime() - PROCESSING_LEASE_MS).toISOString(),
    maxAttempts: MAX_ATTEMPTS,
    limit: PER_RUN,
  });
  const seen = new Set<string>();
  let bytes = 0;
  let done = 0;
  for (const candidate of [...extra, ...waiting]) {
    if (seen.has(candidate.id) || done >= PER_RUN || bytes > BYTES_PER_RUN) continue;
    seen.add(candidate.id);
    const row = (await findInbound(svc.db, candidate.id)) ?? candidate;
    if (row.state !== "received" || row.attempts >= MAX_ATTEMPTS) continue;
    const raw = await rawOf(svc, row);
    if (!raw) continue;
    bytes += raw.byteLength;
    if (await processClaimed(svc, row, raw, { now })) done++;
  }
  return done;
}

/** 3. Mail that cannot be processed: marked failed, on-call told directly (once each). */
export async function giveUpOnMail(svc: Services, now: Date): Promise<number> {
  const rows = await listInboundGivenUp(svc.db, {
    staleBefore: new Date(now.getTime() - PROCESSING_LEASE_MS).toISOString(),
    maxAttempts: MAX_ATTEMPTS,
    noRawBefore: new Date(now.getTime() - NO_RAW_GRACE_MS).toISOString(),
    limit: PER_RUN * 4,
  });
  for (const row of rows) {
    const why = row.rawFileId ? `processing failed ${row.attempts} times: ${row.error ?? "unknown error"}` : "the raw mail was never stored (R2 failed) and the sender did not send it again";
    await finishInbound(svc.db, row.id, { state: "failed", kind: "failed", detail: { gave_up: why }, error: why, now: now.toISOString() });
    await recordCheckFailure(svc.db, "intake:email", now, `gave up on ${row.messageId}: ${why}`);
    const text = [
      `A mail to ${row.rcptTo} could not be turned into a report. Read it and answer the sender yourself.`,
      "",
      `Received:  ${row.receivedAt}`,
      `From:      ${row.headerFrom ?? row.mailFrom}`,
      `Subject:   ${(row.subject ?? "").slice(0, 200)}`,
      `Why:       ${why.slice(0, 500)}`,
      row.rawFileId ? `Raw mail:  ${svc.config.publicUrl}/api/admin/files/${row.rawFileId} (staff API)` : "Raw mail:  not stored",
      `Forwarded: ${row.forwards.length === 0 ? "no destination configured" : row.forwards.map((f) => `${f.to} ${f.ok ? "ok" : "FAILED"}`).join(", ")}`,
    ].join("\n");
    await sendMail(svc, svc.config.fallbackPageTo, { subject: `URGENT: a mail to ${row.rcptTo} could not be filed`, text });
  }
  return rows.length;
}

/** 4. Raw text kept in D1 before schema v8 moves to R2. */
export async function moveLegacyRaw(svc: Services, now: Date): Promise<number> {
  const rows = await listLegacyRaw(svc.db, 10);
  for (const r of rows) {
    const file = await storeFileBytes(svc.files, {
      kind: "raw-mail",
      id: await fileIdFor("raw-mail", r.messageId),
      name: "mail.eml",
      contentType: "message/rfc822",
      bytes: new TextEncoder().encode(r.raw),
      now: new Date(r.receivedAt),
    });
    await svc.db.batch([insertFileStatement(svc.db, file, { ifNew: true }), moveLegacyRawStatement(svc.db, r.id, file.id)]);
  }
  return rows.length;
}

export const emailSweepCronTask: CronTask = {
  name: "email-sweep",
  async run(svc, now) {
    const failures: string[] = [];
    let pending: InboundEmail[] = [];
    try {
      pending = await recordPendingMail(svc, now);
    } catch (err) {
      failures.push(`pending: ${String(err)}`);
    }
    for (const [name, step] of [
      ["process", () => processWaitingMail(svc, now, pending)],
      ["give-up", () => giveUpOnMail(svc, now)],
      ["legacy", () => moveLegacyRaw(svc, now)],
    ] as const) {
      try {
        await step();
      } catch (err) {
        failures.push(`${name}: ${String(err)}`);
      }
    }
    if (failures.length > 0) throw new Error(`email sweep: ${failures.join("; ")}`);
  },
};
