// The monitors document: what the edge probes (monitors) and what the company's servers must
// ping (heartbeats). Staff replace it whole with PUT /api/admin/monitors; it is stored whole and
// versioned (migrations/0012_monitors.sql). Like the on-call document, every object accepts a
// "//" key for comments and refuses any other unknown key, so a typo is an error. Times are in
// seconds. Pure: zod, croner and contract/ only.
import { Cron } from "croner";
import { z } from "zod";
import { TimeZone } from "../../contract/time";
import { Urgency } from "../../contract/reports";
import { ComponentStatus } from "../../contract/status";

const comment = z.union([z.string(), z.array(z.string())]).optional();
const id = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "Use lowercase letters, digits, - and _ (max 64).");
const name = z.string().trim().min(1, "Give it a name.").max(100);
const componentId = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, "Use the component's id (letters, digits, _ and -).");
const seconds = (min: number, max: number, what: string) =>
  z.number().int(`${what} is a whole number of seconds.`).min(min, `${what} is at least ${min} seconds.`).max(max, `${what} is at most ${max} seconds.`);

/** Cloudflare Workers refuse outbound connections to port 25 (docs: TCP sockets, "Considerations"). */
export const BLOCKED_PORT = 25;

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const IPV6 = /^\[[0-9a-f:.]{2,45}\]$/i;

export interface HostPort {
  hostname: string;
  port: number;
}

/** "host", "host:port", "1.2.3.4:443" or "[2001:db8::1]:443"; null when it is none of these. */
export function parseHostPort(target: string, defaultPort: number | null): HostPort | null {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(target.trim());
  if (!m) return null;
  const host = m[1]!;
  const port = m[2] === undefined ? defaultPort : Number(m[2]);
  if (port === null || !Number.isInteger(port) || port < 1 || port > 65535) return null;
  if (!HOSTNAME.test(host) && !IPV4.test(host) && !IPV6.test(host)) return null;
  return { hostname: host.startsWith("[") ? host.slice(1, -1) : host, port };
}

function hostPortTarget(defaultPort: number | null, example: string) {
  return z
    .string()
    .trim()
    .max(300)
    .superRefine((t, ctx) => {
      const hp = parseHostPort(t, defaultPort);
      if (!hp) {
        ctx.addIssue({ code: "custom", message: `Use a host${defaultPort === null ? " and port" : " and optional port"}, e.g. "${example}".` });
      } else if (hp.port === BLOCKED_PORT) {
        ctx.addIssue({ code: "custom", message: "Cloudflare Workers cannot connect to port 25. Probe the submission port (587), SMTPS (465) or a second listener of the MX." });
      }
    });
}

const latencyMs = z.number().int().min(1).max(60_000);

/** What a failing monitor does to its linked component: the status it puts the component in
 * when down, and (optionally) when degraded. null leaves the component alone for that level. */
const ComponentEffect = z.strictObject({
  down: ComponentStatus.exclude(["operational", "under_maintenance"]).nullable().default("major_outage"),
  degraded: ComponentStatus.exclude(["operational", "under_maintenance"]).nullable().default(null),
});

const monitorBase = {
  "//": comment,
  id,
  name,
  /** Seconds between checks (the cron ticks once a minute, so 60 is the shortest). */
  interval: seconds(60, 86_400, "interval").default(60),
  /** Seconds a check may take before it counts as down. */
  timeout: seconds(1, 30, "timeout").default(10),
  /** Results in a row needed to change status: N failures to go down (or degraded), M
   * successes to recover. 1 reacts to every blip; 3 and 2 ride out a lost packet. */
  failuresToDown: z.number().int().min(1).max(20).default(3),
  successesToRecover: z.number().int().min(1).max(20).default(2),
  /** A status-page component whose status this monitor changes by itself. */
  component: componentId.optional(),
  componentEffect: ComponentEffect.default({ down: "major_outage", degraded: null }),
  /** How urgently on-call is paged when it goes down (degraded is always "normal"). */
  urgency: Urgency.default("high"),
  enabled: z.boolean().default(true),
};

export const HttpMonitor = z.strictObject({
  ...monitorBase,
  kind: z.literal("http"),
  target: z.url({ protocol: /^https?$/, message: "Use an http:// or https:// URL." }).max(2000),
  method: z.enum(["GET", "HEAD"]).default("GET"),
  /** Statuses that count as up; empty or absent means any 2xx or 3xx. */
  expectStatus: z.array(z.number().int().min(100).max(599)).max(20).optional(),
  /** Text that must appear in the body (first 1 MB), and text that must not. */
  keyword: z.string().min(1).max(200).optional(),
  keywordAbsent: z.string().min(1).max(200).optional(),
  followRedirects: z.boolean().default(true),
  thresholds: z.strictObject({ "//": comment, latencyMs: latencyMs.optional() }).default({}),
});

export const TlsMonitor = z.strictObject({
  ...monitorBase,
  kind: z.literal("tls"),
  /** Host name and port whose certificate is checked (443 when no port is given). A name, not
   * an address: certificates are looked up by name in Certificate Transparency logs. */
  target: hostPortTarget(443, "mail.example.com:993").refine((t) => {
    const host = parseHostPort(t, 443)?.hostname ?? "";
    return !IPV4.test(host) && !host.includes(":");
  }, "Use the host name the certificate is for, not an address."),
  /** The expiry is looked up in Certificate Transparency logs (Cert Spotter), whose free tier
   * allows few queries an hour: check every few hours at most. */
  interval: seconds(3_600, 86_400, "interval").default(21_600),
  /** Hours apart, so one result decides: waiting for three would leave an expired
   * certificate unreported for 18 hours. Expiry dates do not blip. */
  failuresToDown: z.number().int().min(1).max(20).default(1),
  successesToRecover: z.number().int().min(1).max(20).default(1),
  thresholds: z
    .strictObject({
      "//": comment,
      /** Degraded (a normal-urgency alert) this many days before expiry. */
      warnDays: z.number().int().min(1).max(365).default(21),
      /** Down this many days before expiry (and once expired). */
      failDays: z.number().int().min(0).max(365).default(7),
    })
    .refine((t) => t.failDays < t.warnDays, { path: ["failDays"], message: "failDays must be fewer than warnDays." })
    .default({ warnDays: 21, failDays: 7 }),
});

export const dnsRecordTypes = ["A", "AAAA", "CNAME", "MX", "TXT", "NS", "CAA", "SOA", "SRV"] as const;
export const DnsMonitor = z.strictObject({
  ...monitorBase,
  kind: z.literal("dns"),
  /** The name to resolve, e.g. "mail.example.com". */
  target: z.string().trim().regex(HOSTNAME, 'Use a DNS name, e.g. "mail.example.com".').max(253),
  recordType: z.enum(dnsRecordTypes).default("A"),
  /** Records that must be among the answers (as the resolver writes them, e.g. "10 mx1.example.com."). */
  expect: z.array(z.string().trim().min(1).max(500)).max(20).optional(),
  thresholds: z.strictObject({ "//": comment, latencyMs: latencyMs.optional() }).default({}),
});

export const TcpMonitor = z.strictObject({
  ...monitorBase,
  kind: z.literal("tcp"),
  target: hostPortTarget(null, "db.example.com:5432"),
  thresholds: z.strictObject({ "//": comment, latencyMs: latencyMs.optional() }).default({}),
});

const mailbox = z.email("Use an email address.").max(254);
export const SmtpMonitor = z.strictObject({
  ...monitorBase,
  kind: z.literal("smtp"),
  target: hostPortTarget(null, "mail.example.com:587"),
  /** The name sent with EHLO. */
  helo: z.string().regex(HOSTNAME, "Use a host name.").max(253).default("status-monitor.invalid"),
  mailFrom: mailbox,
  /** A monitor mailbox the server accepts mail for. Leave out on a submission port that wants
   * AUTH before RCPT: MAIL FROM alone still catches a full disk (Postfix answers it 452). */
  rcptTo: mailbox.optional(),
  /** "try": upgrade when STARTTLS is offered; "require": down when it is not; "off": never. */
  startTls: z.enum(["try", "require", "off"]).default("try"),
  thresholds: z.strictObject({ "//": comment, latencyMs: latencyMs.optional() }).default({}),
});

export const Monitor = z.discriminatedUnion("kind", [HttpMonitor, TlsMonitor, DnsMonitor, TcpMonitor, SmtpMonitor]);
export type Monitor = z.infer<typeof Monitor>;
export type MonitorKind = Monitor["kind"];
export type HttpMonitorConfig = z.infer<typeof HttpMonitor>;
export type TlsMonitorConfig = z.infer<typeof TlsMonitor>;
export type DnsMonitorConfig = z.infer<typeof DnsMonitor>;
export type TcpMonitorConfig = z.infer<typeof TcpMonitor>;
export type SmtpMonitorConfig = z.infer<typeof SmtpMonitor>;

function isCronExpression(expr: string): boolean {
  try {
    // Constructed paused and without a function: it only parses, it never schedules.
    new Cron(expr, { paused: true, mode: "5-part" });
    return true;
  } catch {
    return false;
  }
}

export const HeartbeatSchedule = z.discriminatedUnion("kind", [
  z.strictObject({
    "//": comment,
    kind: z.literal("period"),
    /** Seconds between pings. */
    period: seconds(60, 31 * 86_400, "period"),
    /** Seconds of lateness tolerated before the heartbeat is down. */
    grace: seconds(60, 31 * 86_400, "grace"),
  }),
  z.strictObject({
    "//": comment,
    kind: z.literal("cron"),
    /** When the job runs, as its crontab says (five fields), in `timezone`. */
    cron: z.string().trim().max(100).refine(isCronExpression, 'Use a five-field cron expression, e.g. "0 3 * * *".'),
    timezone: TimeZone,
    grace: seconds(60, 31 * 86_400, "grace"),
  }),
]);
export type HeartbeatSchedule = z.infer<typeof HeartbeatSchedule>;

export const Heartbeat = z.strictObject({
  "//": comment,
  id,
  name,
  schedule: HeartbeatSchedule,
  component: componentId.optional(),
  componentEffect: ComponentEffect.default({ down: "major_outage", degraded: null }),
  urgency: Urgency.default("high"),
  enabled: z.boolean().default(true),
});
export type Heartbeat = z.infer<typeof Heartbeat>;

export const MonitorsConfig = z
  .strictObject({
    "//": comment,
    version: z.literal(1).default(1),
    monitors: z.array(Monitor).max(200).default([]),
    heartbeats: z.array(Heartbeat).max(200).default([]),
  })
  .superRefine((doc, ctx) => {
    for (const [list, items] of [
      ["monitors", doc.monitors],
      ["heartbeats", doc.heartbeats],
    ] as const) {
      const seen = new Set<string>();
      items.forEach((item, i) => {
        if (seen.has(item.id)) ctx.addIssue({ code: "custom", path: [list, i, "id"], message: `Another ${list === "monitors" ? "monitor" : "heartbeat"} already has the id "${item.id}".` });
        seen.add(item.id);
      });
    }
  });
export type MonitorsConfig = z.infer<typeof MonitorsConfig>;
export type MonitorsConfigInput = z.input<typeof MonitorsConfig>;

/** Every component id the document names, for the route to check against the status page. */
export function componentReferences(doc: MonitorsConfig): Array<{ path: string; componentId: string }> {
  const refs: Array<{ path: string; componentId: string }> = [];
  doc.monitors.forEach((m, i) => m.component && refs.push({ path: `monitors.${i}.component`, componentId: m.component }));
  doc.heartbeats.forEach((h, i) => h.component && refs.push({ path: `heartbeats.${i}.component`, componentId: h.component }));
  return refs;
}

const PRIVATE_V4 = [/^10\./, /^127\./, /^169\.254\./, /^192\.168\./, /^172\.(1[6-9]|2\d|3[01])\./, /^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./, /^0\./];

/** Host of a monitor's target, whatever its kind. */
export function targetHost(m: Monitor): string | null {
  if (m.kind === "http") return new URL(m.target).hostname.replace(/^\[|\]$/g, "");
  if (m.kind === "dns") return m.target;
  return parseHostPort(m.target, m.kind === "tls" ? 443 : null)?.hostname ?? null;
}

/**
 * Targets that production Workers cannot reach (connect() refuses localhost, private and
 * Cloudflare addresses): refused when the document is stored in production, allowed in
 * development and tests, where the loopback fakes live.
 */
export function unreachableInProduction(doc: MonitorsConfig): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  doc.monitors.forEach((m, i) => {
    if (m.kind === "dns") return; // resolved by the DoH resolver, not connected to
    const host = (targetHost(m) ?? "").toLowerCase();
    const local = host === "localhost" || host.endsWith(".localhost") || host === "::1" || /^f[cd][0-9a-f]{2}:/.test(host) || /^fe80:/.test(host);
    if (local || PRIVATE_V4.some((re) => re.test(host))) {
      problems.push({ path: `monitors.${i}.target`, message: "Workers cannot reach localhost or private addresses in production: use the server's public name or address." });
    }
  });
  return problems;
}
