// The doctor: checks that the paging path can actually reach a human, as pure functions over
// the configuration and the Worker's environment. `GET /api/admin/doctor` and `npm run doctor`
// print one verdict per check; any "fail" makes the whole verdict fail.
import type { ChannelKind } from "../channels/registry";
import type { ChannelType, ContactMethod, OncallConfig } from "./config";
import { ReportChannel, Urgency } from "../../contract/reports";
import type { EmailIntake } from "../../contract/email-intake";
import { planFor, ruleMatches } from "./resolve";
import { gapsBetween, LOOKAHEAD_DAYS } from "./schedule";
import { DAY, formatWall, wallClockAt } from "../platform/zoned-time.pure";

export type Verdict = "pass" | "warn" | "fail";

export interface DoctorCheck {
  id: string;
  title: string;
  verdict: Verdict;
  /** One sentence per finding; empty when all is well. */
  details: string[];
}

export interface DoctorReport {
  verdict: Verdict;
  checkedAt: string;
  configVersion: number | null;
  checks: DoctorCheck[];
}

export interface DoctorInput {
  /** The active configuration, null when none was pushed, or the reason it cannot be read. */
  config: OncallConfig | null | { error: string };
  configVersion?: number | null;
  /** The Worker's secrets and vars by name (only presence and a few values are read). */
  env: Record<string, unknown>;
  /**
   * What each channel declares (functions/channels/<name>/channel.ts): its provider (channels
   * of one provider count as one kind) and the secrets it needs. `channelKinds` in production.
   */
  channels: Readonly<Record<ChannelType, ChannelKind>>;
  /** Addresses customers send urgent reports to (site.config.ts contacts.urgentEmail). */
  intakeAddresses: string[];
  /** Addresses paged directly by intake when a report cannot be stored (FALLBACK_PAGE_TO). */
  fallbackAddresses?: string[];
  /** The inbound-email intake addresses (EMAIL_INTAKE), with their forwards and routing. */
  emailIntake?: EmailIntake;
  /** The urgent address every public page shows (site.config.ts contacts.urgentEmail). */
  urgentEmail?: string;
  production: boolean;
  now: Date;
  /**
   * What each provider's own setup check found (functions/channels: e.g. whether the Twilio
   * numbers' webhooks point at this Worker), asked over the network by the caller. Absent: not
   * asked (the check is left out).
   */
  providerSetup?: Array<{ provider: string; findings: Array<{ verdict: "warn" | "fail"; text: string; unchecked?: true }> }>;
}

/** Secrets every deployment that pages anyone needs, whatever its channels. */
export const coreSecrets = ["ACK_SIGNING_KEY"] as const;

/** Domains reserved for examples and tests (RFC 2606, RFC 6761): mail there goes nowhere. */
const RESERVED_DOMAIN = /(^|\.)(example|test|invalid|localhost|local)$|(^|\.)example\.(com|net|org)$/i;
const PLAUSIBLE_EMAIL = /^[^\s@<>()[\]\\,;:"]{1,64}@(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

export function emailProblem(address: string): "invalid" | "reserved" | null {
  if (!PLAUSIBLE_EMAIL.test(address)) return "invalid";
  const domain = address.slice(address.lastIndexOf("@") + 1);
  return RESERVED_DOMAIN.test(domain) ? "reserved" : null;
}

function check(id: string, title: string, findings: Array<{ verdict: Verdict; text: string }>): DoctorCheck {
  return { id, title, verdict: worst(findings.map((f) => f.verdict)), details: findings.map((f) => f.text) };
}

export function worst(verdicts: Verdict[]): Verdict {
  if (verdicts.includes("fail")) return "fail";
  if (verdicts.includes("warn")) return "warn";
  return "pass";
}

/** Everyone a policy can page: people named directly and everyone a rotation can put on call. */
export function peopleReachedBy(config: OncallConfig, policyId: string): string[] {
  const policy = config.policies.find((p) => p.id === policyId);
  const ids = new Set<string>();
  for (const level of policy?.levels ?? []) {
    for (const t of level.targets) {
      if ("person" in t) ids.add(t.person);
      else {
        const rotation = config.rotations.find((r) => r.id === t.rotation);
        rotation?.members.forEach((m) => ids.add(m));
        rotation?.overrides.forEach((o) => ids.add(o.person));
      }
    }
  }
  return [...ids];
}

function providersOf(methods: ContactMethod[], channels: DoctorInput["channels"]): Set<string> {
  return new Set(methods.map((m) => channels[m.type]?.provider ?? m.type));
}

function checkPolicyChannels(config: OncallConfig, channels: DoctorInput["channels"]): DoctorCheck {
  const findings: Array<{ verdict: Verdict; text: string }> = [];
  const people = new Map(config.people.map((p) => [p.id, p]));
  for (const policy of config.policies) {
    const reached = peopleReachedBy(config, policy.id);
    const providers = new Set(reached.flatMap((id) => [...providersOf(people.get(id)?.contactMethods ?? [], channels)]));
    if (providers.size < 2) {
      findings.push({
        verdict: "fail",
        text: `Policy "${policy.id}" reaches people through ${providers.size === 0 ? "no channel" : `only ${[...providers].join("")}`}: add a second, independent kind of channel (e.g. sms or ntfy next to email).`,
      });
    }
    for (const id of reached) {
      const own = providersOf(people.get(id)?.contactMethods ?? [], channels);
      if (own.size < 2) findings.push({ verdict: "warn", text: `${id} (in policy "${policy.id}") can only be reached through ${[...own].join("")}: one provider outage and they hear nothing.` });
    }
  }
  return check("policy-channels", "Every policy reaches at least two independent kinds of channel", findings);
}

function checkSecrets(config: OncallConfig, input: DoctorInput): DoctorCheck {
  const findings: Array<{ verdict: Verdict; text: string }> = [];
  const has = (name: string) => typeof input.env[name] === "string" && (input.env[name] as string).length > 0;
  for (const name of coreSecrets) {
    if (!has(name)) findings.push({ verdict: "fail", text: `${name} is not set: acknowledgement links cannot be signed (wrangler secret put ${name}).` });
  }
  const usersByType = new Map<ChannelType, string[]>();
  for (const p of config.people) {
    for (const m of p.contactMethods) usersByType.set(m.type, [...(usersByType.get(m.type) ?? []), p.id]);
  }
  for (const [type, users] of usersByType) {
    const missing = (input.channels[type]?.requiredSecrets ?? []).filter((n) => !has(n));
    if (missing.length > 0) {
      findings.push({ verdict: "fail", text: `${type} (used by ${[...new Set(users)].join(", ")}) needs ${missing.join(", ")}, not set.` });
    }
  }
  if (usersByType.has("email")) {
    const from = typeof input.env.MAIL_FROM === "string" ? input.env.MAIL_FROM : "";
    const problem = emailProblem(from);
    if (problem === "invalid") findings.push({ verdict: "fail", text: `MAIL_FROM "${from}" is not a usable sender address.` });
    else if (problem === "reserved") findings.push({ verdict: input.production ? "fail" : "warn", text: `MAIL_FROM "${from}" is on a reserved example domain.` });
  }
  const publicUrl = typeof input.env.PUBLIC_URL === "string" ? input.env.PUBLIC_URL : "";
  if (input.production && !publicUrl.startsWith("https://")) {
    findings.push({ verdict: "fail", text: `PUBLIC_URL "${publicUrl}" is not https: acknowledgement links in pages would not work on phones.` });
  }
  return check("channel-secrets", "Every secret a channel needs is set", findings);
}

function checkGaps(config: OncallConfig, now: Date): DoctorCheck {
  const findings: Array<{ verdict: Verdict; text: string }> = [];
  const used = new Set(config.policies.flatMap((p) => p.levels.flatMap((l) => l.targets.flatMap((t) => ("rotation" in t ? [t.rotation] : [])))));
  const until = new Date(now.getTime() + LOOKAHEAD_DAYS * DAY);
  for (const rotation of config.rotations) {
    if (!used.has(rotation.id)) {
      findings.push({ verdict: "warn", text: `Rotation "${rotation.id}" is not used by any policy.` });
      continue;
    }
    for (const gap of gapsBetween(rotation, now, until)) {
      const local = (d: Date) => formatWall(wallClockAt(rotation.timezone, d.getTime()));
      findings.push({
        verdict: "fail",
        text: `Rotation "${rotation.id}" has nobody on call from ${local(gap.start)} to ${local(gap.end)} (${rotation.timezone}).`,
      });
    }
  }
  return check("rotation-gaps", `No rotation has a gap in the next ${LOOKAHEAD_DAYS} days`, findings);
}

function checkEmailDestinations(config: OncallConfig, input: DoctorInput): DoctorCheck {
  const findings: Array<{ verdict: Verdict; text: string }> = [];
  const intake = new Set(input.intakeAddresses.map((a) => a.toLowerCase()));
  for (const p of config.people) {
    for (const m of p.contactMethods) {
      if (m.type !== "email") continue;
      const problem = emailProblem(m.address);
      if (intake.has(m.address.toLowerCase())) {
        findings.push({ verdict: "fail", text: `${p.id} is paged at ${m.address}, which is an intake address: every page would file a new report.` });
      } else if (problem === "invalid") {
        findings.push({ verdict: "fail", text: `${p.id}: "${m.address}" is not a plausible email address.` });
      } else if (problem === "reserved") {
        findings.push({ verdict: input.production ? "fail" : "warn", text: `${p.id}: ${m.address} is on a reserved example domain: mail there reaches nobody.` });
      }
    }
  }
  if (input.fallbackAddresses !== undefined) {
    if (input.fallbackAddresses.length === 0) {
      findings.push({ verdict: "warn", text: "FALLBACK_PAGE_TO is empty: when storage is down, nobody is paged directly." });
    }
    for (const address of input.fallbackAddresses) {
      const problem = emailProblem(address);
      if (intake.has(address.toLowerCase())) findings.push({ verdict: "fail", text: `FALLBACK_PAGE_TO includes the intake address ${address}: a fallback page would come back as a report.` });
      else if (problem === "invalid") findings.push({ verdict: "fail", text: `FALLBACK_PAGE_TO: "${address}" is not a plausible email address.` });
      else if (problem === "reserved") findings.push({ verdict: input.production ? "fail" : "warn", text: `FALLBACK_PAGE_TO: ${address} is on a reserved example domain: mail there reaches nobody.` });
    }
  }
  return check("email-destinations", "Every email destination is plausible", findings);
}

function checkIntakeRouting(config: OncallConfig, input: DoctorInput): DoctorCheck {
  const findings: Array<{ verdict: Verdict; text: string }> = [];
  if (input.intakeAddresses.length === 0) findings.push({ verdict: "fail", text: "No urgent intake address is configured (site.config.ts contacts.urgentEmail)." });
  for (const address of input.intakeAddresses) {
    const problem = emailProblem(address);
    if (problem === "invalid") findings.push({ verdict: "fail", text: `Intake address "${address}" is not a plausible email address.` });
    else if (problem === "reserved") findings.push({ verdict: input.production ? "fail" : "warn", text: `Intake address ${address} is on a reserved example domain: customers cannot write to it.` });
  }
  for (const channel of ReportChannel.options) {
    for (const urgency of Urgency.options) {
      const plan = planFor(config, { channel, urgency, componentId: null }, input.now);
      if (plan.levels.length === 0) {
        findings.push({ verdict: "fail", text: `A ${urgency} report by ${channel} would page nobody right now (policy "${plan.policyId}").` });
      }
    }
  }
  return check("intake-routing", "Every intake path is routed to someone on call now", findings);
}

/**
 * Every intake address forwards somewhere and is routed to someone: the failure this product
 * exists for was an urgent address that forwarded nowhere after a migration, for 20 days.
 */
function checkEmailIntake(config: OncallConfig, input: DoctorInput): DoctorCheck | null {
  const intake = input.emailIntake;
  if (!intake) return null;
  const findings: Array<{ verdict: Verdict; text: string }> = [];
  if (intake.error) findings.push({ verdict: "fail", text: `${intake.error} Mail is still received, but forwarded nowhere.` });
  const reports = intake.entries.filter((e) => e.purpose === "report");
  const addresses = new Set(intake.entries.map((e) => e.address.toLowerCase()));
  if (!intake.error && reports.length === 0) findings.push({ verdict: "fail", text: "EMAIL_INTAKE has no report address: configure the urgent address with its forward destinations." });
  const urgent = input.urgentEmail?.toLowerCase();
  if (urgent && !addresses.has(urgent) && !intake.error) {
    findings.push({ verdict: "fail", text: `The urgent address on every page, ${urgent} (site.config.ts), is not in EMAIL_INTAKE: it has no forward destinations of its own.` });
  }
  for (const e of reports) {
    if (e.forwardTo.length === 0) {
      findings.push({ verdict: "fail", text: `${e.address} forwards nowhere: when this Worker's storage fails, its mail reaches nobody. Add forward_to.` });
    }
    for (const to of e.forwardTo) {
      const problem = emailProblem(to);
      if (addresses.has(to.toLowerCase())) findings.push({ verdict: "fail", text: `${e.address} forwards to ${to}, an intake address: a loop.` });
      else if (problem === "invalid") findings.push({ verdict: "fail", text: `${e.address} forwards to "${to}", which is not a plausible address.` });
      else if (problem === "reserved") findings.push({ verdict: input.production ? "fail" : "warn", text: `${e.address} forwards to ${to}, on a reserved example domain: mail there reaches nobody.` });
    }
    const route = { channel: "email" as const, urgency: e.urgency, componentId: e.component };
    const ruleIndex = config.routing.rules.findIndex((r) => ruleMatches(r, route));
    const plan = planFor(config, route, input.now);
    const by = ruleIndex >= 0 ? `routing rule ${ruleIndex + 1}` : "the default policy";
    if (plan.levels.length === 0) findings.push({ verdict: "fail", text: `${e.address} (${e.urgency}) is routed by ${by} to policy "${plan.policyId}", which pages nobody right now.` });
    else findings.push({ verdict: "pass", text: `${e.address} (${e.urgency}) forwards to ${e.forwardTo.length} address${e.forwardTo.length === 1 ? "" : "es"} and is routed by ${by} to policy "${plan.policyId}".` });
  }
  for (const e of intake.entries.filter((x) => x.purpose === "status")) {
    if (e.staff.length === 0) findings.push({ verdict: "warn", text: `${e.address} takes status updates, but lists no staff: every update will be refused.` });
  }
  return check("email-intake", "Every intake address forwards somewhere and is routed to someone", findings);
}

function checkProviderSetup(setup: NonNullable<DoctorInput["providerSetup"]>): DoctorCheck {
  return check(
    "provider-webhooks",
    "Each provider's webhooks point at this Worker (hotline calls and SMS, replies to pages)",
    setup.flatMap((p) => p.findings.map((f) => ({ verdict: f.verdict, text: `${p.provider}: ${f.text}` }))),
  );
}

export function runDoctor(input: DoctorInput): DoctorReport {
  const base = { checkedAt: input.now.toISOString(), configVersion: input.configVersion ?? null };
  const { config } = input;
  if (config === null || "error" in config) {
    const text =
      config === null
        ? "No on-call configuration has been pushed: nobody would be paged. Push one with `npm run oncall -- push oncall.json`."
        : `The stored on-call configuration cannot be used: ${config.error}`;
    const checks = [{ id: "configuration", title: "An on-call configuration is active and valid", verdict: "fail" as const, details: [text] }];
    return { ...base, verdict: "fail", checks };
  }
  const checks = [
    { id: "configuration", title: "An on-call configuration is active and valid", verdict: "pass" as const, details: [] },
    checkPolicyChannels(config, input.channels),
    checkSecrets(config, input),
    checkGaps(config, input.now),
    checkEmailDestinations(config, input),
    checkIntakeRouting(config, input),
    checkEmailIntake(config, input),
    input.providerSetup ? checkProviderSetup(input.providerSetup) : null,
  ].filter((c): c is DoctorCheck => c !== null);
  return { ...base, verdict: worst(checks.map((c) => c.verdict)), checks };
}
