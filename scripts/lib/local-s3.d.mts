// Types of local-s3.mjs for the TypeScript that imports it (the tests' global setup).
import type { IncomingHttpHeaders, Server } from "node:http";

export interface LocalS3 {
  apiUrl: string;
  /** The bucket's S3 address, what MIRROR_S3_URL holds (path-style). */
  bucketUrl: string;
  websiteUrl: string;
  region: string;
  bucket: string;
  servers: Server[];
  close(): Promise<unknown>;
}

export function startLocalS3(options: {
  dir: string;
  bucket?: string;
  accessKeyId: string;
  secretAccessKey: string;
  region?: string;
  apiPort?: number;
  websitePort?: number;
}): Promise<LocalS3>;

export function verifySignature(input: {
  method: string;
  rawPath: string;
  rawQuery: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  now: Date;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}): { status: number; code: string; message: string } | null;
