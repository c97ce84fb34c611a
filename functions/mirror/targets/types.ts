// What a mirror target is to the publisher and to the break-glass CLI: somewhere files can be
// read back and written, in order. Each target is one module here, used as it is by the Worker
// and by the Node CLI (Node imports these modules as TypeScript, so they stay erasable: no
// enums, no parameter properties, types imported with `import type`).
import type { MirrorFile } from "../manifest.pure";
import type { Layout } from "../paths.pure";

export type TargetName = "s3" | "github";

export interface MirrorTarget {
  readonly name: TargetName;
  readonly layout: Layout;
  /** A human name for messages ("s3 bucket http://…/mirror", "GitHub owner/repo@gh-pages"). */
  readonly description: string;
  /** Does each file cost a request (S3: one PUT each) rather than one request for all (GitHub)? */
  readonly requestPerFile: boolean;
  /** A stored file's bytes, or null when there is none. Throws on any other failure. */
  read(key: string): Promise<Uint8Array | null>;
  /**
   * Stores `put` in the order given (the caller puts the home page last) and removes `remove`.
   * A target that cannot write atomically may have written some files when it throws; the
   * manifest, written before the home page, then still describes the previous state where it
   * matters: the next publish sends everything that differs.
   */
  write(put: readonly MirrorFile[], remove: readonly string[], message: string): Promise<WriteResult>;
}

export interface WriteResult {
  /** Requests made to the provider. */
  requests: number;
}

/** A provider's refusal, with what it said; `retryable` when trying later may work (5xx, 429). */
export class TargetError extends Error {
  readonly status: number;
  readonly retryable: boolean;
  constructor(message: string, status: number) {
    super(message);
    this.name = "TargetError";
    this.status = status;
    this.retryable = status === 0 || status === 408 || status === 429 || status >= 500;
  }
}

/** Per-request timeout: a hung provider fails the publish, which is retried later. */
export const REQUEST_TIMEOUT_MS = 20_000;

export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
