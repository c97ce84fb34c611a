// Helpers for the monitors tests: probe services and an env pointed at the loopback fakes, a
// captured queue, configuration stored as the API stores it, and components of their own.
import { env } from "cloudflare:workers";
import { inject } from "vitest";
import type { Job } from "../../contract/jobs";
import { Monitor, MonitorsConfig, type MonitorsConfigInput } from "../../functions/monitors/config.pure";
import type { ProbeServices } from "../../functions/monitors/cron";
import { buildServices } from "../../functions/platform/services";
import { ensureStateStatement, insertHeartbeatTokenIfMissing, insertMonitorsConfigStatement, serializeMonitorsConfig } from "../../functions/monitors/queries";
import { heartbeatTokenHash, newHeartbeatToken } from "../../functions/monitors/tokens";
import type { SmtpSession } from "../fakes/types";
import { fakeProviders, unique } from "../helpers";

export function fakeServices(): ProbeServices {
  const base = fakeProviders.url();
  return { userAgent: "outofband-monitor/test", dohUrl: `${base}/doh`, ctSearchUrl: `${base}/certspotter/v1/issuances`, ctApiKey: "ct-test-key" };
}

export const smtpTarget = (mode: "normal" | "busy" | "silent") => `127.0.0.1:${inject("fakeSmtpPorts")[mode]}`;
export const tlsTarget = () => `localhost:${inject("fakeTlsPort")}`;
export const targetUrl = (path: string) => `${fakeProviders.url()}/target${path}`;

/** A unique EHLO name: the fake SMTP server files each session under it. */
export const heloName = (prefix: string) => `${unique(prefix).replace("_", "-")}.example-hosting.test`;

export async function smtpSessions(helo: string): Promise<SmtpSession[]> {
  const res = await fetch(`${fakeProviders.url()}/smtp-sessions?helo=${encodeURIComponent(helo)}`);
  return (await res.json()) as SmtpSession[];
}

export function monitor(input: Record<string, unknown>): Monitor {
  return Monitor.parse(input);
}

/** Services as the Worker builds them, with the queue captured and the resolver and CT search
 * at the fakes. */
export function monitorsEnv(opts: { queueFails?: () => boolean } = {}) {
  const queued: Job[] = [];
  const base = fakeProviders.url();
  const svc = buildServices({ ...env, DNS_OVER_HTTPS_URL: `${base}/doh`, CT_SEARCH_URL: `${base}/certspotter/v1/issuances` });
  svc.queue = {
    ...svc.queue,
    send: async (body: Job) => {
      if (opts.queueFails?.()) throw new Error("Queue send failed: 503 Service Unavailable");
      queued.push(body);
    },
  };
  return { svc, queued };
}

/** Stores a configuration as PUT does (a new version); returns tokens minted for its heartbeats. */
export async function storeConfig(input: MonitorsConfigInput, now = new Date()): Promise<Record<string, string>> {
  const config = MonitorsConfig.parse(input);
  const { document, sha256 } = await serializeMonitorsConfig(config);
  const tokens: Record<string, string> = {};
  const statements = [insertMonitorsConfigStatement(env.DB, { document, sha256, createdBy: "test", now })];
  for (const h of config.heartbeats) {
    tokens[h.id] = newHeartbeatToken();
    statements.push(insertHeartbeatTokenIfMissing(env.DB, h.id, await heartbeatTokenHash(tokens[h.id]!), now));
    statements.push(ensureStateStatement(env.DB, "heartbeat", h.id, now));
  }
  for (const m of config.monitors) statements.push(ensureStateStatement(env.DB, "monitor", m.id, now));
  await env.DB.batch(statements);
  return tokens;
}

/** An operational component of this test's own, as the status page has them. */
export async function makeComponent(status = "operational"): Promise<string> {
  const id = unique("cmp");
  const at = new Date(Date.now() - 86_400_000).toISOString();
  await env.DB.prepare(
    "INSERT INTO components (id, name, description, status, position, start_date, created_at, updated_at) VALUES (?1, ?2, 'Monitored', ?3, 500, ?4, ?5, ?5)",
  )
    .bind(id, `Component ${id}`, status, at.slice(0, 10), at)
    .run();
  return id;
}

export async function componentStatus(id: string): Promise<string> {
  return (await env.DB.prepare("SELECT status FROM components WHERE id = ?1").bind(id).first<{ status: string }>())!.status;
}

export async function auditActors(target: string): Promise<string[]> {
  const { results } = await env.DB.prepare("SELECT actor FROM audit_log WHERE target = ?1 ORDER BY id").bind(target).all<{ actor: string }>();
  return results.map((r) => r.actor);
}

export const minutesAfter = (start: Date, minutes: number) => new Date(start.getTime() + minutes * 60_000);
