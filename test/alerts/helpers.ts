// Helpers for the fan-out tests: an on-call configuration pushed through on-call's own
// storage, reports written as intake writes them, an env whose queue is captured (the test
// decides when each message is "delivered") and whose providers are the loopback fakes.
import { env } from "cloudflare:workers";
import { vi } from "vitest";
import type { Job } from "../../contract/jobs";
import { OncallConfig, type OncallConfigInput } from "../../functions/oncall/config";
import { RetryLater, sendNotification } from "../../functions/alerts/delivery";
import { flushDigest } from "../../functions/alerts/digest";
import { handleReportFollowUp } from "../../functions/alerts/followup";
import { escalateAlert, handleReportReceived } from "../../functions/alerts/lifecycle";
import { insertConfigStatement, serializeConfig } from "../../functions/oncall/queries";
import { buildServices } from "../../functions/platform/services";
import { fakeProviders, unique } from "../helpers";

export const fakeUrl = () => fakeProviders.url();

export async function pushConfig(input: OncallConfigInput, now = new Date()): Promise<void> {
  const { document, sha256 } = await serializeConfig(OncallConfig.parse(input));
  await insertConfigStatement(env.DB, { document, sha256, createdBy: "test", now }).run();
}

export interface SentMail {
  to: string;
  from: string;
  subject: string;
  text: string;
  html?: string;
}

export interface QueuedJob {
  body: Job;
  delaySeconds: number;
}

/**
 * Starts a test with nobody busy: every alert earlier tests of this file left open is
 * resolved, so no policy is held by another test's unacknowledged alert.
 */
export async function quietOnCall(): Promise<void> {
  await env.DB.prepare("UPDATE alerts SET state = 'resolved', next_escalation_at = NULL, held_by = NULL WHERE state IN ('triggered','acknowledged')").run();
}

/** An env with a captured queue, a recording mail binding and providers at the fakes. The
 * hourly page ceiling is out of the way unless a test sets `pageCeiling`: pages of earlier
 * tests in the file would count towards it. */
export function testEnv(opts: { mailFails?: boolean; pageCeiling?: number } = {}) {
  const queued: QueuedJob[] = [];
  const mail: SentMail[] = [];
  const base = fakeUrl();
  const queue = {
    send: async (body: Job, o?: { delaySeconds?: number }) => void queued.push({ body, delaySeconds: o?.delaySeconds ?? 0 }),
    sendBatch: async (msgs: Iterable<{ body: Job; delaySeconds?: number }>) => {
      for (const m of msgs) queued.push({ body: m.body, delaySeconds: m.delaySeconds ?? 0 });
    },
  };
  const email = {
    send: vi.fn(async (m: SentMail) => {
      if (opts.mailFails) throw new Error("mail service unavailable");
      mail.push(m);
      return { messageId: `<${crypto.randomUUID()}@test>` };
    }),
  };
  const testEnv: Env = {
    ...env,
    FANOUT: queue as unknown as Queue,
    EMAIL: email as unknown as SendEmail,
    PUBLIC_URL: "https://status.example-hosting.test",
    TWILIO_API_BASE: `${base}/twilio`,
    TWILIO_ACCOUNT_SID: "AC0123456789abcdef0123456789abcdef",
    TWILIO_AUTH_TOKEN: "twilio-test-auth-token",
    TWILIO_FROM: "+15005550006",
    TELEGRAM_API_BASE: `${base}/telegram`,
    TELEGRAM_BOT_TOKEN: "123456:TEST-token",
    PUSHOVER_API_BASE: `${base}/pushover`,
    PUSHOVER_APP_TOKEN: "azGDORePK8gMaC0QOYAMyEEuzJnyUi",
    PAGERDUTY_EVENTS_URL: `${base}/pagerduty/v2/enqueue`,
    NTFY_SERVER: `${base}/ntfy`,
    NTFY_TOKEN: "",
    WEBHOOK_SIGNING_SECRET: "whsec-test",
  };
  // The services the Worker builds from these bindings: captured queue, recording mail.
  const deferred: Promise<unknown>[] = [];
  const svc = buildServices(testEnv, (work) => void deferred.push(work));
  svc.config.paging.pagesPerPersonPerHour = opts.pageCeiling ?? 1_000_000;
  return { env: testEnv, svc, queued, mail, email, settle: () => Promise.all(deferred) };
}

export type TestEnv = ReturnType<typeof testEnv>;

/** Stores a report (and its first message) as intake does, and returns its job. */
export async function insertReport(r: {
  subject: string;
  message?: string;
  componentId?: string | null;
  urgency?: string;
  channel?: string;
  duplicateOf?: string;
  createdAt?: Date;
  reporter?: { name?: string; email?: string; phone?: string };
  incidentId?: string;
}) {
  const id = unique("rep");
  const reference = `R-${id.slice(-8).toUpperCase()}`;
  const at = (r.createdAt ?? new Date()).toISOString();
  const outboxId = unique("ob");
  await env.DB.batch([
    env.DB
      .prepare(
        `INSERT INTO reports (id, reference, view_token_hash, channel, state, urgency, subject, component_id, text_hash, duplicate_of, created_at,
           reporter_name, reporter_email, reporter_phone, incident_id)
         VALUES (?1, ?2, 'x', ?3, 'new', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)`,
      )
      .bind(
        id,
        reference,
        r.channel ?? "web",
        r.urgency ?? "high",
        r.subject,
        r.componentId ?? null,
        id,
        r.duplicateOf ?? null,
        at,
        r.reporter?.name ?? null,
        r.reporter?.email ?? null,
        r.reporter?.phone ?? null,
        r.incidentId ?? null,
      ),
    env.DB.prepare("INSERT INTO report_messages (report_id, author, body, created_at) VALUES (?1, 'reporter', ?2, ?3)").bind(id, r.message ?? `${r.subject}: details from the reporter`, at),
    env.DB.prepare("INSERT INTO outbox (id, kind, payload, created_at) VALUES (?1, 'report.received', '{}', ?2)").bind(outboxId, at),
  ]);
  const job = { type: "report.received" as const, reportId: id, outboxId };
  return { id, reference, job };
}

export async function alertOfReport(reportId: string): Promise<string | null> {
  const row = await env.DB.prepare("SELECT alert_id FROM reports WHERE id = ?1").bind(reportId).first<{ alert_id: string | null }>();
  return row?.alert_id ?? null;
}

/**
 * Delivers every captured message that is due (delay 0, and escalation timers only when asked)
 * the way the consumer would, until nothing is left. Returns what each send did.
 */
export async function drain(t: TestEnv, now: Date, opts: { timers?: boolean; timeoutMs?: number } = {}) {
  const outcomes: Array<{ deliveryId: string; outcome: string }> = [];
  for (let guard = 0; guard < 10_000; guard++) {
    const i = t.queued.findIndex((q) => q.delaySeconds === 0 || (opts.timers && q.body.type === "alert.escalate"));
    if (i < 0) break;
    const [{ body }] = t.queued.splice(i, 1) as [QueuedJob];
    if (body.type === "report.received") await handleReportReceived(t.svc, body, now);
    else if (body.type === "alert.escalate") await escalateAlert(t.svc, body.alertId, now);
    else if (body.type === "digest.flush") await flushDigest(t.svc, body.personId, now);
    else if (body.type === "report.followup") await handleReportFollowUp(t.svc, body, now);
    else if (body.type === "notification.send") {
      try {
        outcomes.push({ deliveryId: body.deliveryId, outcome: await sendNotification(t.svc, body.deliveryId, now, { timeoutMs: opts.timeoutMs ?? 3000 }) });
      } catch (err) {
        if (!(err instanceof RetryLater)) throw err;
        outcomes.push({ deliveryId: body.deliveryId, outcome: `retry:${err.minDelaySeconds ?? "backoff"}` });
      }
    }
  }
  return outcomes;
}

export async function deliveriesOf(alertId: string) {
  const { results } = await env.DB.prepare("SELECT * FROM deliveries WHERE alert_id = ?1 ORDER BY created_at, id").bind(alertId).all<Record<string, unknown>>();
  return results;
}

export async function eventsOf(alertId: string) {
  const { results } = await env.DB.prepare("SELECT type, message FROM alert_events WHERE alert_id = ?1 ORDER BY id").bind(alertId).all<{ type: string; message: string }>();
  return results;
}

export const minutes = (n: number) => n * 60_000;
