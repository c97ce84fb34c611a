// Files: the bytes in R2, the metadata in D1, and signed, expiring links to them. Raw mail,
// attachments and recordings come from strangers: they are stored as bytes and never served
// as anything a browser would run (names.pure.ts).
import { constantTimeEqual, hmacSha256Hex, toHex } from "../platform/crypto";
import type { Config } from "../platform/config";
import type { Services } from "../platform/services";
import { safeFileName } from "./names.pure";
import { insertFileStatement, type FileKind, type StoredFile } from "./queries";

export type FileServices = Pick<Services, "db" | "files">;

export function newFileId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  return `f_${toHex(bytes)}`;
}

export interface NewFile {
  kind: FileKind;
  reportId?: string | null;
  name: string | null;
  contentType: string | null;
  bytes: ArrayBuffer | Uint8Array;
  detail?: Record<string, unknown>;
  now: Date;
  /** A chosen id (f_ + 20 hex), so that storing the same thing twice writes one object. */
  id?: string;
}

/**
 * Puts the bytes in R2 and returns the row to record, without recording it: for callers that
 * must keep the bytes even when D1 is down (inbound mail), and record the row later.
 */
export async function storeFileBytes(bucket: R2Bucket, f: NewFile): Promise<StoredFile> {
  const id = f.id ?? newFileId();
  const day = f.now.toISOString().slice(0, 10);
  const bytes = f.bytes instanceof Uint8Array ? f.bytes : new Uint8Array(f.bytes);
  const digest = toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
  const file: StoredFile = {
    id,
    r2Key: `${f.kind}/${day}/${id}`,
    reportId: f.reportId ?? null,
    kind: f.kind,
    name: safeFileName(f.name, f.kind === "recording" ? "recording" : f.kind === "raw-mail" ? "mail.eml" : "attachment"),
    contentType: (f.contentType ?? "application/octet-stream").split(";")[0]!.trim().toLowerCase().slice(0, 100) || "application/octet-stream",
    size: bytes.byteLength,
    sha256: digest,
    detail: f.detail ?? null,
    createdAt: f.now.toISOString(),
  };
  await bucket.put(file.r2Key, bytes, { httpMetadata: { contentType: file.contentType }, customMetadata: { id, kind: f.kind } });
  return file;
}

/** Puts the bytes in R2 first, then their row in D1 (a row never points at nothing). */
export async function putFile(svc: FileServices, f: NewFile): Promise<StoredFile> {
  const file = await storeFileBytes(svc.files, f);
  await insertFileStatement(svc.db, file).run();
  return file;
}

// Signed links: f_<id>.<expiry base36>.<first 32 hex of HMAC-SHA256(ACK_SIGNING_KEY, "file:" + rest)>.
const LINK = /^(f_[0-9a-f]{20})\.([0-9a-z]{1,12})\.([0-9a-f]{32})$/;

async function linkSignature(key: string, payload: string): Promise<string> {
  return (await hmacSha256Hex(key, `file:${payload}`)).slice(0, 32);
}

/** A link that opens one file until `expiresAt`, for pages and the staff console. */
export async function signedFileUrl(config: Pick<Config, "publicUrl" | "ackSigningKey">, fileId: string, expiresAt: Date): Promise<string | null> {
  if (!config.ackSigningKey) return null;
  const payload = `${fileId}.${Math.floor(expiresAt.getTime() / 1000).toString(36)}`;
  return `${config.publicUrl}/files/${payload}.${await linkSignature(config.ackSigningKey, payload)}`;
}

export async function verifyFileToken(key: string, token: string, now: Date): Promise<{ ok: true; fileId: string } | { ok: false; reason: "malformed" | "expired" }> {
  const m = LINK.exec(token);
  if (!m || !key) return { ok: false, reason: "malformed" };
  const [, fileId, exp, sig] = m as unknown as [string, string, string, string];
  if (!(await constantTimeEqual(sig, await linkSignature(key, `${fileId}.${exp}`)))) return { ok: false, reason: "malformed" };
  if (parseInt(exp, 36) * 1000 <= now.getTime()) return { ok: false, reason: "expired" };
  return { ok: true, fileId };
}
