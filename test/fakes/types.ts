// Shapes shared by the fake provider server (Node) and the tests (workerd).
import "vitest";
export interface RecordedRequest {
  provider: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  at: string;
}

export interface ScriptedResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Answer this late; a delay longer than the caller's timeout simulates a hung provider. */
  delayMs?: number;
}

export interface ProviderFake {
  name: string;
  /** Which requests belong to this provider (by path prefix on the fake server). */
  prefix: string;
  /** The provider's normal answer when nothing is scripted. */
  respond(req: RecordedRequest): ScriptedResponse;
}


/** The only token the GitHub fake (github.fake.ts) accepts. */
export const GITHUB_TEST_TOKEN = "github_pat_test_0123456789";

/** A session the loopback SMTP server (mail.fake.ts) recorded: "C: ..." and "S: ..." lines. */
export interface SmtpSession {
  helo: string | null;
  mode: string;
  lines: string[];
}

declare module "vitest" {
  interface ProvidedContext {
    /** Base URL (http://127.0.0.1:port) of the loopback fake provider server. */
    fakeProviderUrl: string;
    /** Ports of the loopback SMTP servers (test/fakes/mail.fake.ts) by behaviour. */
    fakeSmtpPorts: { normal: number; busy: number; silent: number };
    /** Port of the loopback TLS server with a self-signed certificate. */
    fakeTlsPort: number;
    /** The loopback S3-compatible bucket server (scripts/lib/local-s3.mjs) and its one key pair. */
    fakeS3: { apiUrl: string; websiteUrl: string; region: string; accessKeyId: string; secretAccessKey: string };
  }
}
