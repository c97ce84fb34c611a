// An S3-compatible bucket with static website hosting (AWS S3, Backblaze B2, Wasabi, MinIO, ...)
// as a mirror target. Requests are signed with AWS Signature Version 4 by aws4fetch (a small,
// well-kept library that runs on fetch and WebCrypto, in the Worker and in Node alike); the
// payload hash is sent and signed too, so a body damaged on the way is refused by the bucket.
//
// Object keys: the object-store layout (paths.pure.ts), each with its Content-Type and
// Cache-Control as object metadata, which the website endpoint sends back. No ACL header:
// buckets made since 2023 refuse ACLs; a bucket policy makes the objects public (README).
import { AwsClient } from "aws4fetch";
import type { MirrorFile } from "../manifest.pure";
import { uploadRank } from "../paths.pure";
import { REQUEST_TIMEOUT_MS, sha256Hex, TargetError, type MirrorTarget, type WriteResult } from "./types";

export interface S3Settings {
  /** The bucket's address: path-style `https://s3.REGION.amazonaws.com/BUCKET` or virtual-hosted
   * `https://BUCKET.s3.REGION.amazonaws.com` (keys are appended). */
  url: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** Uploads at once within one rank (assets, pages, data): enough to be quick, few enough to be polite. */
const PARALLEL_UPLOADS = 4;

export function s3Target(settings: S3Settings): MirrorTarget {
  const base = settings.url.replace(/\/+$/, "");
  // No retries inside the client: a failed publish is retried as a whole by the queue and the
  // cron, with their backoff, and recorded in assurance each time.
  const client = new AwsClient({ accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey, service: "s3", region: settings.region, retries: 0 });
  const urlOf = (key: string) => `${base}/${key.split("/").map(encodeURIComponent).join("/")}`;
  let requests = 0;

  async function send(method: string, key: string, init: { body?: Uint8Array; headers?: Record<string, string> } = {}): Promise<Response> {
    requests++;
    const body = init.body ?? new Uint8Array();
    let res: Response;
    try {
      res = await client.fetch(urlOf(key), {
        method,
        body: method === "PUT" ? (body as Uint8Array<ArrayBuffer>) : undefined,
        headers: { ...init.headers, "x-amz-content-sha256": await sha256Hex(body) },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      throw new TargetError(`S3 ${method} ${key}: ${err instanceof Error ? err.message : String(err)}`, 0);
    }
    return res;
  }

  async function failure(method: string, key: string, res: Response): Promise<TargetError> {
    const text = await res.text().catch(() => "");
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
    const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
    return new TargetError(`S3 ${method} ${key}: ${res.status}${code ? ` ${code}` : ""}${message ? `: ${message}` : ""}`, res.status);
  }

  async function put(file: MirrorFile): Promise<void> {
    const res = await send("PUT", file.key, { body: file.body, headers: { "content-type": file.contentType, "cache-control": file.cacheControl } });
    if (!res.ok) throw await failure("PUT", file.key, res);
    await res.body?.cancel();
  }

  return {
    name: "s3",
    layout: "object-store",
    requestPerFile: true,
    description: `S3 bucket ${base}`,
    async read(key) {
      const res = await send("GET", key);
      if (res.status === 404) {
        await res.body?.cancel();
        return null;
      }
      if (!res.ok) throw await failure("GET", key, res);
      return new Uint8Array(await res.arrayBuffer());
    },
    async write(files, remove): Promise<WriteResult> {
      requests = 0;
      // In the caller's order, rank by rank; within a rank a few at once.
      const ranks: MirrorFile[][] = [];
      for (const file of files) {
        const last = ranks[ranks.length - 1];
        if (last && uploadRank(last[0]!.key) === uploadRank(file.key)) last.push(file);
        else ranks.push([file]);
      }
      for (const rank of ranks) {
        for (let i = 0; i < rank.length; i += PARALLEL_UPLOADS) await Promise.all(rank.slice(i, i + PARALLEL_UPLOADS).map(put));
      }
      for (const key of remove) {
        const res = await send("DELETE", key);
        if (!res.ok && res.status !== 404) throw await failure("DELETE", key, res);
        await res.body?.cancel();
      }
      return { requests };
    },
  };
}
