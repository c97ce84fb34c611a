// Runs in Node, outside workerd: starts the loopback fake provider server that stands in for
// everything beyond our edge (Turnstile, Twilio, Slack, ...) and the loopback mail and TLS
// servers of the monitors' checks, and hands their addresses to the tests.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startLocalS3 } from "../../scripts/lib/local-s3.mjs";
import { startFakeMailServers } from "../fakes/mail.fake";
import { startFakeProviderServer } from "../fakes/server";

export default async function setup(project: TestProject) {
  const server = await startFakeProviderServer();
  const mail = await startFakeMailServers();
  project.provide("fakeProviderUrl", server.url);
  project.provide("fakeSmtpPorts", mail.smtp);
  project.provide("fakeTlsPort", mail.tls);
  // The mirror's S3-compatible storage: each test makes a bucket of its own (POST /__fake/buckets).
  const s3Dir = mkdtempSync(join(tmpdir(), "oob-fake-s3-"));
  const s3Keys = { accessKeyId: "AKIAFAKEMIRROR0001", secretAccessKey: "fake-mirror-secret-0123456789", region: "eu-central-1" };
  const s3 = await startLocalS3({ dir: s3Dir, bucket: "default-bucket", ...s3Keys });
  project.provide("fakeS3", { apiUrl: s3.apiUrl, websiteUrl: s3.websiteUrl, ...s3Keys });
  return async () => {
    await Promise.all([server.close(), mail.close(), s3.close()]);
    rmSync(s3Dir, { recursive: true, force: true });
  };
}
