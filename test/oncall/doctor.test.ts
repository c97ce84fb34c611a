// The doctor's checks as pure functions: each finding the doctor must make, and a healthy
// configuration that passes.
import { describe, expect, it } from "vitest";
import type { OncallConfigInput } from "../../functions/oncall/config";
import { channelKinds } from "../../functions/channels/registry";
import { emailProblem, runDoctor, type DoctorInput } from "../../functions/oncall/doctor";
import { OncallConfig } from "../../functions/oncall/config";
import demoText from "../../scripts/seed/oncall.demo.json?raw";
import { config, configInput } from "./fixtures";
import { env } from "cloudflare:workers";
import { readEmailIntake } from "../../contract/email-intake";

const NOW = new Date("2026-03-20T12:00:00Z");
const allSecrets = {
  ACK_SIGNING_KEY: "k",
  MAIL_FROM: "status@status.example-hosting.nl",
  PUBLIC_URL: "https://status.example-hosting.nl",
  TWILIO_ACCOUNT_SID: "AC1",
  TWILIO_AUTH_TOKEN: "t",
  TWILIO_FROM: "+3197010000000",
};
// What the channels declare (providers, required secrets), as in production.
const channels = channelKinds;

function doctor(overrides: Partial<OncallConfigInput> = {}, input: Partial<DoctorInput> = {}) {
  return runDoctor({
    config: config(overrides),
    env: allSecrets,
    channels,
    intakeAddresses: ["urgent@status.example-hosting.nl"],
    production: true,
    now: NOW,
    ...input,
  });
}

function verdictOf(report: ReturnType<typeof runDoctor>, id: string) {
  const c = report.checks.find((x) => x.id === id)!;
  return { verdict: c.verdict, text: c.details.join("\n") };
}

const base = configInput();
const person = (id: string, methods: OncallConfigInput["people"][number]["contactMethods"]) => ({ id, name: id, timezone: "Europe/Amsterdam", contactMethods: methods });

describe("doctor", () => {
  it("passes a healthy production configuration", () => {
    const report = doctor();
    expect(report.checks.filter((c) => c.verdict !== "pass")).toEqual([]);
    expect(report.verdict).toBe("pass");
  });

  it("passes the seeded demo configuration locally, with warnings only (example domains)", () => {
    const report = runDoctor({
      config: OncallConfig.parse(JSON.parse(demoText)),
      env: { ACK_SIGNING_KEY: "k", MAIL_FROM: "status@example-hosting.test", PUBLIC_URL: "http://127.0.0.1:8787" },
      channels,
      intakeAddresses: ["urgent@status.example-hosting.test"],
      production: false,
      now: NOW,
    });
    expect(report.checks.filter((c) => c.verdict === "fail")).toEqual([]);
    expect(report.verdict).toBe("warn");
  });

  it("fails without any configuration, saying how to push one", () => {
    const report = runDoctor({ config: null, env: allSecrets, channels, intakeAddresses: ["u@x.nl"], production: false, now: NOW });
    expect(report.verdict).toBe("fail");
    expect(report.checks[0]!.details[0]).toMatch(/npm run oncall -- push/);
  });

  it.each<[string, Partial<OncallConfigInput>, Partial<DoctorInput>, string, "warn" | "fail", RegExp]>([
    [
      "a policy that reaches people by email only",
      { people: [person("alice", [{ type: "email", address: "a@ops.example-hosting.nl" }]), person("bob", [{ type: "email", address: "b@ops.example-hosting.nl" }]), person("carol", [{ type: "email", address: "c@ops.example-hosting.nl" }])] },
      {},
      "policy-channels",
      "fail",
      /Policy "default" reaches people through only email/,
    ],
    [
      "sms and voice alone (one provider, Twilio)",
      { people: [person("alice", [{ type: "sms", number: "+31612345678" }, { type: "voice", number: "+31612345678" }]), person("bob", [{ type: "sms", number: "+31612345679" }]), person("carol", [{ type: "voice", number: "+31612345670" }])] },
      {},
      "policy-channels",
      "fail",
      /only twilio/,
    ],
    [
      "a person reachable by one provider only (warn)",
      { people: [...base.people.slice(0, 2), person("carol", [{ type: "email", address: "c@ops.example-hosting.nl" }])] },
      {},
      "policy-channels",
      "warn",
      /carol .* can only be reached through email/,
    ],
    ["missing Twilio secrets for sms users", {}, { env: { ...allSecrets, TWILIO_AUTH_TOKEN: "" } }, "channel-secrets", "fail", /sms \(used by alice\) needs TWILIO_AUTH_TOKEN/],
    ["a missing ack signing key", {}, { env: { ...allSecrets, ACK_SIGNING_KEY: undefined } }, "channel-secrets", "fail", /ACK_SIGNING_KEY/],
    ["http PUBLIC_URL in production", {}, { env: { ...allSecrets, PUBLIC_URL: "http://status.example-hosting.nl" } }, "channel-secrets", "fail", /not https/],
    [
      "a rotation that starts in a week",
      { rotations: [{ id: "primary", timezone: "Europe/Amsterdam", members: ["alice"], handoff: { every: "day", at: "09:00" }, start: "2026-03-27" }] },
      {},
      "rotation-gaps",
      "fail",
      /nobody on call from 2026-03-20 13:00 to 2026-03-27 09:00 \(Europe\/Amsterdam\)/,
    ],
    [
      "a rotation that ends within 14 days",
      { rotations: [{ id: "primary", timezone: "Europe/Amsterdam", members: ["alice"], handoff: { every: "day", at: "09:00" }, start: "2026-01-01", end: "2026-03-30" }] },
      {},
      "rotation-gaps",
      "fail",
      /from 2026-03-30 09:00/,
    ],
    [
      "a rotation no policy uses (warn)",
      { rotations: [...base.rotations!, { id: "spare", timezone: "UTC", members: ["bob"], handoff: { every: "day", at: "09:00" }, start: "2026-01-01" }] },
      {},
      "rotation-gaps",
      "warn",
      /"spare" is not used/,
    ],
    [
      "an email destination on a reserved domain in production",
      { people: [person("alice", [{ type: "email", address: "alice@example.com" }, { type: "sms", number: "+31612345678" }]), ...base.people.slice(1)] },
      {},
      "email-destinations",
      "fail",
      /reserved example domain/,
    ],
    [
      "an email destination on a reserved domain in development (warn)",
      { people: [person("alice", [{ type: "email", address: "alice@ops.example-hosting.test" }, { type: "sms", number: "+31612345678" }]), ...base.people.slice(1)] },
      { production: false },
      "email-destinations",
      "warn",
      /reserved/,
    ],
    [
      "a page sent to the intake address itself (a loop)",
      { people: [person("alice", [{ type: "email", address: "Urgent@status.example-hosting.nl" }, { type: "sms", number: "+31612345678" }]), ...base.people.slice(1)] },
      {},
      "email-destinations",
      "fail",
      /intake address/,
    ],
    ["a storage-down fallback address on a reserved domain", {}, { fallbackAddresses: ["oncall@example-hosting.test"] }, "email-destinations", "fail", /FALLBACK_PAGE_TO: oncall@example-hosting.test is on a reserved/],
    ["no storage-down fallback address (warn)", {}, { fallbackAddresses: [] }, "email-destinations", "warn", /FALLBACK_PAGE_TO is empty/],
    ["the intake address as storage-down fallback (a loop)", {}, { fallbackAddresses: ["urgent@status.example-hosting.nl"] }, "email-destinations", "fail", /would come back as a report/],
    ["no intake address", {}, { intakeAddresses: [] }, "intake-routing", "fail", /No urgent intake address/],
    ["an implausible intake address", {}, { intakeAddresses: ["urgent@localhost"] }, "intake-routing", "fail", /not a plausible/],
    [
      "an intake path that pages nobody now",
      {
        rotations: [{ id: "primary", timezone: "Europe/Amsterdam", members: ["alice"], handoff: { every: "day", at: "09:00" }, start: "2026-04-01" }],
        policies: [{ id: "default", levels: [{ timeoutMinutes: 5, targets: [{ rotation: "primary" }] }] }, { id: "dns", levels: [{ timeoutMinutes: 5, targets: [{ person: "carol" }] }] }],
      },
      {},
      "intake-routing",
      "fail",
      /A critical report by web would page nobody right now/,
    ],
  ])("finds %s", (_name, cfg, input, id, verdict, text) => {
    const report = doctor(cfg, input);
    const found = verdictOf(report, id);
    expect(found.verdict).toBe(verdict);
    expect(found.text).toMatch(text);
    expect(report.verdict).toBe(verdict === "fail" ? "fail" : report.verdict);
  });

  it("shows what each provider's setup check found, and fails the verdict on a failing one", () => {
    expect(doctor({}, { providerSetup: [{ provider: "twilio", findings: [] }] }).checks.find((c) => c.id === "provider-webhooks")).toMatchObject({ verdict: "pass", details: [] });
    const report = doctor({}, {
      providerSetup: [{ provider: "twilio", findings: [{ verdict: "fail", text: "The voice webhook of +31201234567 is not set." }, { verdict: "warn", text: "No status callback." }] }],
    });
    expect(verdictOf(report, "provider-webhooks")).toEqual({ verdict: "fail", text: "twilio: The voice webhook of +31201234567 is not set.\ntwilio: No status callback." });
    expect(report.verdict).toBe("fail");
    // Not asked (no network from here): no such check.
    expect(doctor().checks.some((c) => c.id === "provider-webhooks")).toBe(false);
  });

  it.each([
    ["alice@ops.example-hosting.nl", null],
    ["a.b+pages@mail.co.uk", null],
    ["alice@example.com", "reserved"],
    ["alice@x.test", "reserved"],
    ["alice@localhost", "invalid"],
    ["alice@@x.nl", "invalid"],
    ["alice @x.nl", "invalid"],
    ["alice@-x.nl", "invalid"],
  ])("judges %s as %s", (address, expected) => {
    expect(emailProblem(address)).toBe(expected);
  });
});

describe("doctor: email intake addresses", () => {
  const healthy = readEmailIntake([
    { address: "urgent@status.example-hosting.nl", urgency: "critical", forward_to: ["noc@example-hosting.nl"] },
    { address: "voicemail@status.example-hosting.nl", urgency: "critical", component: "cmp_dns", forward_to: ["noc@example-hosting.nl"] },
    { address: "updates@status.example-hosting.nl", purpose: "status", staff: ["sam@example-hosting.nl"] },
  ]);
  const withIntake = (emailIntake: ReturnType<typeof readEmailIntake>, extra: Partial<DoctorInput> = {}) =>
    doctor({}, { emailIntake, urgentEmail: "urgent@status.example-hosting.nl", ...extra });

  it("passes when every report address forwards somewhere and is routed to someone, naming the route", () => {
    const found = verdictOf(withIntake(healthy), "email-intake");
    expect(found.verdict).toBe("pass");
    expect(found.text).toMatch(/urgent@status.example-hosting.nl \(critical\) forwards to 1 address and is routed by the default policy to policy "default"/);
    expect(found.text).toMatch(/voicemail@status.example-hosting.nl \(critical\) .* routed by routing rule 1 to policy "dns"/);
  });

  it("passes the demo's EMAIL_INTAKE (wrangler.toml) with warnings only (example domains)", () => {
    const report = runDoctor({
      config: OncallConfig.parse(JSON.parse(demoText)),
      env: { ACK_SIGNING_KEY: "k", MAIL_FROM: "status@example-hosting.test", PUBLIC_URL: "http://127.0.0.1:8787" },
      channels,
      intakeAddresses: ["urgent@status.example-hosting.test"],
      emailIntake: readEmailIntake(env.EMAIL_INTAKE),
      urgentEmail: "urgent@status.example-hosting.test",
      production: false,
      now: NOW,
    });
    expect(verdictOf(report, "email-intake").verdict).toBe("warn");
  });

  it.each<[string, ReturnType<typeof readEmailIntake>, Partial<DoctorInput>, RegExp]>([
    ["an address that forwards nowhere (the post-mortem)", readEmailIntake([{ address: "urgent@status.example-hosting.nl" }]), {}, /urgent@status.example-hosting.nl forwards nowhere/],
    ["a forward to an intake address (a loop)", readEmailIntake([{ address: "urgent@status.example-hosting.nl", forward_to: ["support@status.example-hosting.nl"] }, { address: "support@status.example-hosting.nl", forward_to: ["desk@example-hosting.nl"] }]), {}, /forwards to support@status.example-hosting.nl, an intake address: a loop/],
    ["a forward to a reserved domain in production", readEmailIntake([{ address: "urgent@status.example-hosting.nl", forward_to: ["noc@example.com"] }]), {}, /reserved example domain/],
    ["the urgent address on the pages not configured", readEmailIntake([{ address: "help@status.example-hosting.nl", forward_to: ["noc@example-hosting.nl"] }]), {}, /urgent address on every page, urgent@status.example-hosting.nl .* is not in EMAIL_INTAKE/],
    ["no report address at all", readEmailIntake([{ address: "updates@status.example-hosting.nl", purpose: "status", staff: ["s@example-hosting.nl"] }]), { urgentEmail: "" }, /no report address/],
    ["an unreadable EMAIL_INTAKE", readEmailIntake("not json"), {}, /EMAIL_INTAKE is not JSON/],
    [
      "a route that pages nobody now",
      readEmailIntake([{ address: "urgent@status.example-hosting.nl", urgency: "critical", forward_to: ["noc@example-hosting.nl"] }]),
      { config: config({ rotations: [{ id: "primary", timezone: "Europe/Amsterdam", members: ["alice"], handoff: { every: "day", at: "09:00" }, start: "2026-04-27" }], policies: [{ id: "default", levels: [{ timeoutMinutes: 5, targets: [{ rotation: "primary" }] }] }], routing: { rules: [], defaultPolicy: "default" } }) },
      /routed by the default policy to policy "default", which pages nobody right now/,
    ],
  ])("fails %s", (_n, intake, extra, text) => {
    const found = verdictOf(withIntake(intake, extra), "email-intake");
    expect(found.verdict).toBe("fail");
    expect(found.text).toMatch(text);
  });

  it("warns about a status address without staff (every update would be refused)", () => {
    const found = verdictOf(withIntake(readEmailIntake([...healthy.entries.slice(0, 1).map(() => ({ address: "urgent@status.example-hosting.nl", forward_to: ["noc@example-hosting.nl"] })), { address: "updates@status.example-hosting.nl", purpose: "status" }])), "email-intake");
    expect(found.verdict).toBe("warn");
    expect(found.text).toMatch(/lists no staff/);
  });
});
