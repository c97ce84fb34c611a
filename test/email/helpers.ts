// Helpers for the inbound-email tests: the handler run with the fan-out's test services
// (captured queue, recording mail, real D1 and R2), the rows it wrote, and bindings that fail
// the way an outage does (every call rejects).
import { env } from "cloudflare:workers";
import { handleInboundEmail } from "../../functions/email/inbound";
import { findInboundByMessageIdStatement, rowToInbound, type InboundEmail } from "../../functions/email/queries";
import { findReportById, type Report } from "../../functions/reports/queries";
import { pushConfig, type TestEnv } from "../alerts/helpers";
import { fakeEmail, type FakeEmailOptions } from "./fake-email";

/** Kim is on call for everything, by email and ntfy (two independent kinds of channel). */
export async function kimOnCall(): Promise<void> {
  await pushConfig(
    {
      version: 1,
      people: [
        {
          id: "kim",
          name: "Kim",
          timezone: "UTC",
          contactMethods: [
            { type: "email", address: "kim@ops.example.test" },
            { type: "ntfy", topic: "kim-pages" },
          ],
        },
      ],
      policies: [{ id: "only", levels: [{ timeoutMinutes: 5, targets: [{ person: "kim" }] }] }],
      routing: { defaultPolicy: "only" },
    },
    new Date("2026-01-01T00:00:00Z"),
  );
}

/** Delivers a mail to the handler as Email Routing would, then lets deferred work finish. */
export async function receive(t: TestEnv, opts: FakeEmailOptions, now = new Date()) {
  const fake = fakeEmail(opts);
  let thrown: unknown = null;
  try {
    await handleInboundEmail(t.svc, fake.message, { now });
  } catch (err) {
    thrown = err;
  }
  await t.settle();
  return { ...fake, thrown };
}

export async function inboundRow(messageId: string): Promise<InboundEmail | null> {
  return rowToInbound(await findInboundByMessageIdStatement(env.DB, messageId).first());
}

export async function reportOf(messageId: string): Promise<Report | null> {
  const row = await inboundRow(messageId);
  return row?.reportId ? findReportById(env.DB, row.reportId) : null;
}

/** A binding in an outage: every method call rejects (D1: prepare/batch; R2: put/get/list). */
export function downBinding<T>(what: string): T {
  const fail = () => {
    throw new Error(`${what} unavailable: simulated outage`);
  };
  return new Proxy({}, { get: () => fail }) as T;
}

/** The message id header value of a raw mail. */
export function messageIdIn(raw: string): string {
  return /^Message-ID: (.+)$/im.exec(raw)![1]!.trim();
}
