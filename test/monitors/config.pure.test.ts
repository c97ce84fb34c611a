// The monitors document: defaults, and a specific message at each bad field.
import { describe, expect, it } from "vitest";
import { MonitorsConfig, parseHostPort, unreachableInProduction, type MonitorsConfigInput } from "../../functions/monitors/config.pure";

function issues(input: unknown): Record<string, string> {
  const r = MonitorsConfig.safeParse(input);
  if (r.success) return {};
  return Object.fromEntries(r.error.issues.map((i) => [i.path.join("."), i.message]));
}

const http = { id: "web", name: "Website", kind: "http", target: "https://www.example-hosting.test/" } as const;

describe("MonitorsConfig", () => {
  it("fills in defaults: every minute, 10 s, 3 failures down, 2 successes up, major outage, high urgency", () => {
    const doc = MonitorsConfig.parse({ monitors: [http], heartbeats: [{ id: "backup", name: "Nightly backup", schedule: { kind: "cron", cron: "0 3 * * *", timezone: "Europe/Amsterdam", grace: 3600 } }] });
    expect(doc.monitors[0]).toMatchObject({ interval: 60, timeout: 10, failuresToDown: 3, successesToRecover: 2, method: "GET", followRedirects: true, urgency: "high", enabled: true, componentEffect: { down: "major_outage", degraded: null } });
    expect(doc.heartbeats[0]).toMatchObject({ urgency: "high", enabled: true, componentEffect: { down: "major_outage", degraded: null } });
  });

  it("checks certificates every 6 hours by default, with 21 and 7 days of warning, one result deciding", () => {
    const doc = MonitorsConfig.parse({ monitors: [{ id: "cert", name: "Mail cert", kind: "tls", target: "mail.example-hosting.test:993" }] });
    expect(doc.monitors[0]).toMatchObject({ interval: 21_600, failuresToDown: 1, successesToRecover: 1, thresholds: { warnDays: 21, failDays: 7 } });
  });

  it.each<[string, MonitorsConfigInput | Record<string, unknown>, Record<string, string>]>([
    ["an unknown kind", { monitors: [{ ...http, kind: "ping" }] }, { "monitors.0.kind": expect.any(String) as unknown as string }],
    ["a typo in a field", { monitors: [{ ...http, intervall: 60 }] }, { "monitors.0": expect.stringContaining("intervall") as unknown as string }],
    ["an id with capitals", { monitors: [{ ...http, id: "Web" }] }, { "monitors.0.id": "Use lowercase letters, digits, - and _ (max 64)." }],
    ["two monitors with one id", { monitors: [http, http] }, { "monitors.1.id": 'Another monitor already has the id "web".' }],
    ["an interval under a minute", { monitors: [{ ...http, interval: 30 }] }, { "monitors.0.interval": "interval is at least 60 seconds." }],
    ["a timeout over 30 s", { monitors: [{ ...http, timeout: 45 }] }, { "monitors.0.timeout": "timeout is at most 30 seconds." }],
    ["a URL that is not http", { monitors: [{ ...http, target: "ftp://example.com/" }] }, { "monitors.0.target": "Use an http:// or https:// URL." }],
    ["port 25", { monitors: [{ id: "mx", name: "MX", kind: "smtp", target: "mx.example-hosting.test:25", mailFrom: "monitor@example-hosting.test" }] }, { "monitors.0.target": expect.stringContaining("cannot connect to port 25") as unknown as string }],
    ["a TCP target without a port", { monitors: [{ id: "db", name: "DB", kind: "tcp", target: "db.example-hosting.test" }] }, { "monitors.0.target": 'Use a host and port, e.g. "db.example.com:5432".' }],
    ["a TLS target given as an address", { monitors: [{ id: "c", name: "C", kind: "tls", target: "192.0.2.1:443" }] }, { "monitors.0.target": "Use the host name the certificate is for, not an address." }],
    ["failDays not below warnDays", { monitors: [{ id: "c", name: "C", kind: "tls", target: "a.example-hosting.test", thresholds: { warnDays: 7, failDays: 7 } }] }, { "monitors.0.thresholds.failDays": "failDays must be fewer than warnDays." }],
    ["an SMTP check without MAIL FROM", { monitors: [{ id: "mx", name: "MX", kind: "smtp", target: "mx.example-hosting.test:587" }] }, { "monitors.0.mailFrom": expect.any(String) as unknown as string }],
    ["a bad cron expression", { heartbeats: [{ id: "b", name: "B", schedule: { kind: "cron", cron: "every day", timezone: "UTC", grace: 60 } }] }, { "heartbeats.0.schedule.cron": 'Use a five-field cron expression, e.g. "0 3 * * *".' }],
    ["a timezone that does not exist", { heartbeats: [{ id: "b", name: "B", schedule: { kind: "cron", cron: "0 3 * * *", timezone: "Mars/Olympus", grace: 60 } }] }, { "heartbeats.0.schedule.timezone": "Use an IANA timezone name such as Europe/Amsterdam." }],
    ["a grace under a minute", { heartbeats: [{ id: "b", name: "B", schedule: { kind: "period", period: 300, grace: 5 } }] }, { "heartbeats.0.schedule.grace": "grace is at least 60 seconds." }],
    ["operational as the down status", { monitors: [{ ...http, componentEffect: { down: "operational" } }] }, { "monitors.0.componentEffect.down": expect.any(String) as unknown as string }],
  ])("refuses %s", (_name, input, expected) => {
    expect(issues(input)).toMatchObject(expected);
  });
});

describe("parseHostPort", () => {
  it.each<[string, number | null, ReturnType<typeof parseHostPort>]>([
    ["mail.example.com:587", null, { hostname: "mail.example.com", port: 587 }],
    ["mail.example.com", 443, { hostname: "mail.example.com", port: 443 }],
    ["mail.example.com", null, null],
    ["192.0.2.1:25", null, { hostname: "192.0.2.1", port: 25 }],
    ["[2001:db8::1]:993", null, { hostname: "2001:db8::1", port: 993 }],
    ["mail.example.com:0", null, null],
    ["mail.example.com:70000", null, null],
    ["mail example.com:25", null, null],
    ["http://mail.example.com:25", null, null],
  ])("%s (default %s)", (target, port, expected) => {
    expect(parseHostPort(target, port)).toEqual(expected);
  });
});

describe("unreachableInProduction", () => {
  it("flags loopback, private and link-local targets, not public names or DNS checks", () => {
    const doc = MonitorsConfig.parse({
      monitors: [
        { id: "a", name: "A", kind: "tcp", target: "127.0.0.1:5432" },
        { id: "b", name: "B", kind: "http", target: "http://10.1.2.3/" },
        { id: "c", name: "C", kind: "smtp", target: "localhost:587", mailFrom: "m@example-hosting.test" },
        { id: "d", name: "D", kind: "tcp", target: "db.example-hosting.test:5432" },
        { id: "e", name: "E", kind: "dns", target: "localhost" },
        { id: "f", name: "F", kind: "tcp", target: "172.20.0.1:22" },
      ],
    });
    expect(unreachableInProduction(doc).map((p) => p.path)).toEqual(["monitors.0.target", "monitors.1.target", "monitors.2.target", "monitors.5.target"]);
  });
});
