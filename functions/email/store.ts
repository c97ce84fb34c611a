// Keeping a received mail whole: the raw bytes in R2 first (the files room, kind 'raw-mail'),
// then its row in D1. When D1 is down the mail is still kept: a small marker object in R2
// (`inbound-pending/<file id>`) names it, and the sweep records and processes it when D1 is
// back. Ids derive from the Message-ID, so a mail delivered twice is one object and one row.
import { checkSuccessStatement } from "../assurance/queries";
import { sha256Hex } from "../platform/crypto";
import type { Services } from "../platform/services";
import { insertFileStatement, type StoredFile } from "../files/queries";
import { storeFileBytes } from "../files/store";
import { findInboundByMessageIdStatement, insertInboundStatement, rowToInbound, type ForwardOutcome, type InboundEmail, type NewInbound } from "./queries";

export const PENDING_PREFIX = "inbound-pending/";

export interface Envelope {
  messageId: string;
  mailFrom: string;
  headerFrom: string | null;
  rcptTo: string;
  intakeAddress: string;
  subject: string | null;
  rawSize: number;
  receivedAt: Date;
}

export interface StoreOutcome {
  /** The raw mail is in R2 and either recorded in D1 or named by a pending marker. */
  durable: boolean;
  file: StoredFile | null;
  /** The row (new or from an earlier delivery); null when D1 could not be written. */
  row: InboundEmail | null;
  errors: string[];
}

/** A pending marker: everything the sweep needs to record the mail later. */
export interface PendingMarker {
  envelope: Omit<Envelope, "receivedAt"> & { receivedAt: string };
  file: StoredFile;
  forwards: ForwardOutcome[];
}

const describe = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 300);

/** The Message-ID a mail is known by: its own, or (production Email Routing delivers mail
 * without one) one derived from its bytes, so that a redelivery is still recognised. */
export async function messageIdOf(header: string | null, raw: Uint8Array): Promise<string> {
  const own = header?.trim();
  if (own && own.length <= 998 && !/[\r\n]/.test(own)) return own;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", raw));
  return `<${[...digest.slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("")}@no-message-id.invalid>`;
}

export async function fileIdFor(purpose: string, key: string): Promise<string> {
  return `f_${(await sha256Hex(`${purpose}\n${key}`)).slice(0, 20)}`;
}

export function inboundRowOf(e: PendingMarker["envelope"], id: string, fileId: string | null, forwards: ForwardOutcome[]): NewInbound {
  return {
    id,
    messageId: e.messageId,
    mailFrom: e.mailFrom,
    headerFrom: e.headerFrom,
    rcptTo: e.rcptTo,
    intakeAddress: e.intakeAddress,
    subject: e.subject,
    rawSize: e.rawSize,
    rawFileId: fileId,
    forwards,
    receivedAt: e.receivedAt,
  };
}

/** Records a stored mail (and its raw file) in D1, and that the email intake path works;
 * returns the row, new or from an earlier delivery. */
export async function recordInbound(db: D1Database, e: PendingMarker["envelope"], file: StoredFile | null, forwards: ForwardOutcome[], now = new Date()): Promise<InboundEmail> {
  const id = `in_${(await sha256Hex(`inbound\n${e.messageId}`)).slice(0, 24)}`;
  const results = await db.batch<Record<string, unknown>>([
    ...(file ? [insertFileStatement(db, file, { ifNew: true })] : []),
    insertInboundStatement(db, inboundRowOf(e, id, file?.id ?? null, forwards)),
    checkSuccessStatement(db, "intake:email", now, { stored: file !== null }),
    findInboundByMessageIdStatement(db, e.messageId),
  ]);
  const row = rowToInbound(results.at(-1)?.results[0]);
  if (!row) throw new Error("the inbound mail row could not be read back");
  return row;
}

export async function storeInbound(svc: Pick<Services, "db" | "files">, envelope: Envelope, raw: Uint8Array, forwards: ForwardOutcome[], opts: { pendingMarker?: boolean } = {}): Promise<StoreOutcome> {
  const errors: string[] = [];
  const e = { ...envelope, receivedAt: envelope.receivedAt.toISOString() };
  let file: StoredFile | null = null;
  try {
    file = await storeFileBytes(svc.files, {
      kind: "raw-mail",
      id: await fileIdFor("raw-mail", envelope.messageId),
      name: "mail.eml",
      contentType: "message/rfc822",
      bytes: raw,
      detail: { message_id: envelope.messageId.slice(0, 300), from: envelope.mailFrom.slice(0, 254), to: envelope.rcptTo.slice(0, 254) },
      now: envelope.receivedAt,
    });
  } catch (err) {
    errors.push(`R2: ${describe(err)}`);
  }
  try {
    const row = await recordInbound(svc.db, e, file, forwards, envelope.receivedAt);
    return { durable: file !== null, file, row, errors };
  } catch (err) {
    errors.push(`D1: ${describe(err)}`);
  }
  if (!file || opts.pendingMarker === false) return { durable: false, file, row: null, errors };
  // D1 is down but the bytes are safe: leave a marker for the sweep.
  try {
    const marker: PendingMarker = { envelope: e, file, forwards };
    await svc.files.put(`${PENDING_PREFIX}${file.id}`, JSON.stringify(marker), { httpMetadata: { contentType: "application/json" } });
    return { durable: true, file, row: null, errors };
  } catch (err) {
    errors.push(`R2 marker: ${describe(err)}`);
    return { durable: false, file, row: null, errors };
  }
}
