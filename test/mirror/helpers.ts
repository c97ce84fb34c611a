// The mirror's tests talk to two loopback fakes: the S3-compatible bucket server (which checks
// every SigV4 signature itself) and GitHub's API on the fake provider server. Each test makes a
// bucket or a repository of its own.
import { inject } from "vitest";
import { GITHUB_TEST_TOKEN } from "../fakes/types";
import type { MirrorSettings } from "../../functions/mirror/settings";
import { readVersion } from "../../functions/status/queries";
import { listChecks } from "../../functions/assurance/queries";
import { BASE, unique } from "../helpers";

export interface S3Request {
  seq: number;
  method: string;
  bucket: string;
  key: string;
  contentType: string | null;
  cacheControl: string | null;
  size: number;
  sha256: string;
  status: number;
  error: string | null;
}

export interface FakeBucket {
  name: string;
  settings: MirrorSettings;
  /** What the Worker sent to this bucket, in order. */
  requests(): Promise<S3Request[]>;
  /** The next matching requests fail with S3's error. */
  fail(responses: Array<{ status: number; code: string; message?: string }>, match?: string): Promise<void>;
  /** A GET on the bucket's website endpoint, as a reader's browser would. */
  website(path: string, init?: RequestInit): Promise<Response>;
}

export async function newBucket(overrides: Partial<NonNullable<MirrorSettings["s3"]>> = {}): Promise<FakeBucket> {
  const s3 = inject("fakeS3");
  const name = unique("bucket").replace(/_/g, "-");
  const created = await fetch(`${s3.apiUrl}/__fake/buckets`, { method: "POST", body: JSON.stringify({ name }) });
  if (created.status !== 201) throw new Error(`the fake S3 refused bucket ${name}`);
  const websiteBase = `${s3.websiteUrl}/~${name}`;
  return {
    name,
    settings: {
      mirrorUrl: websiteBase,
      liveUrl: BASE,
      s3: { url: `${s3.apiUrl}/${name}`, region: s3.region, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, ...overrides },
      github: null,
      uploadsPerPublish: 1000,
    },
    requests: async () => (await (await fetch(`${s3.apiUrl}/__fake/requests?bucket=${name}`)).json()) as S3Request[],
    fail: async (responses, match) => {
      await fetch(`${s3.apiUrl}/__fake/script`, { method: "POST", body: JSON.stringify({ bucket: name, match, responses }) });
    },
    website: (path, init) => fetch(`${websiteBase}${path}`, init),
  };
}

export interface FakeRepo {
  repo: string;
  settings: MirrorSettings;
  /** The branch's files (base64 by path), null when the branch does not exist; every commit message. */
  state(branch?: string): Promise<{ files: Record<string, string> | null; messages: string[] }>;
  file(path: string, branch?: string): Promise<string | null>;
}

export function newRepo(token = GITHUB_TEST_TOKEN): FakeRepo {
  const repo = `example/${unique("status-mirror")}`;
  const api = `${inject("fakeProviderUrl")}/github`;
  const state = async (branch = "gh-pages") => (await (await fetch(`${api}/__state/${repo}/${branch}`)).json()) as { files: Record<string, string> | null; messages: string[] };
  return {
    repo,
    settings: { mirrorUrl: "https://status.example.net", liveUrl: BASE, s3: null, github: { api, repo, branch: "gh-pages", token }, uploadsPerPublish: 1000 },
    state,
    file: async (path, branch) => {
      const files = (await state(branch)).files;
      return files?.[path] !== undefined ? atob(files[path]!) : null;
    },
  };
}

export const publishJob = (version: number, reason: "change" | "hourly" | "manual" = "change") => ({ type: "mirror.publish" as const, version, reason });

/** The current status version. */
export async function currentVersion(db: D1Database): Promise<number> {
  return Number(await readVersion(db));
}

/** The Worker's bindings with these mirror settings as its vars and secrets. */
export function envWith(bindings: Env, settings: MirrorSettings): Env {
  return {
    ...bindings,
    MIRROR_URL: settings.mirrorUrl,
    MIRROR_S3_URL: settings.s3?.url ?? "",
    MIRROR_S3_REGION: settings.s3?.region ?? "",
    MIRROR_S3_ACCESS_KEY_ID: settings.s3?.accessKeyId ?? "",
    MIRROR_S3_SECRET_ACCESS_KEY: settings.s3?.secretAccessKey ?? "",
    MIRROR_GITHUB_REPO: settings.github?.repo ?? "",
    MIRROR_GITHUB_BRANCH: settings.github?.branch ?? "",
    MIRROR_GITHUB_API: settings.github?.api ?? "",
    MIRROR_GITHUB_TOKEN: settings.github?.token ?? "",
    MIRROR_UPLOADS_PER_PUBLISH: String(settings.uploadsPerPublish),
  };
}

/** An assurance check's row. */
export async function assuranceCheck(db: D1Database, name: string) {
  return (await listChecks(db)).find((c) => c.name === name) ?? null;
}
