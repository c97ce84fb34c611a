// The path canary's round trips with the providers that push to this Worker: does each still
// send its webhooks here? Part of every canary run, recorded as `webhooks:<provider>`:
// - Twilio: the numbers' voice and SMS webhooks, read from Twilio's IncomingPhoneNumbers API
//   (the doctor's provider check, channels/twilio/setup.ts);
// - each social network with a webhook (X): the network is asked to check it again now (X's
//   CRC) and its verdict is read (social/x/webhook-check.ts). The webhook route records each
//   check it answers; a network asked on the previous run whose check has not arrived since
//   fails here, even when its own verdict still says valid.
// A provider that is not set up here is noted as not driven, as a path is.
import { findCheck, recordCheckFailure, recordCheckNote, recordCheckSuccess } from "../assurance/queries";
import { providerSetupFindings } from "../oncall/doctor-input";
import type { Services } from "../platform/services";
import { contextFor, isConfigured, networkList } from "../social/registry";

export type WebhookServices = Pick<Services, "db" | "config" | "channelSettings">;

export interface WebhookRoundTrip {
  provider: string;
  outcome: "verified" | "failed" | "unavailable";
  detail: string;
}

export async function checkProviderWebhooks(svc: WebhookServices, now: Date): Promise<WebhookRoundTrip[]> {
  return [...(await checkTwilio(svc, now)), ...(await checkSocial(svc, now))];
}

async function checkTwilio(svc: WebhookServices, now: Date): Promise<WebhookRoundTrip[]> {
  const env = svc.channelSettings;
  const name = "webhooks:twilio";
  if (!env.TWILIO_ACCOUNT_SID || !env.TWILIO_AUTH_TOKEN) {
    const why = "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are not set";
    await recordCheckNote(svc.db, name, { check: "not driven", unavailable: why });
    return [{ provider: "twilio", outcome: "unavailable", detail: why }];
  }
  const findings = (await providerSetupFindings(env)).filter((p) => p.provider === "twilio").flatMap((p) => p.findings);
  const failing = findings.filter((f) => f.verdict === "fail" || f.unchecked);
  const check = "Twilio's IncomingPhoneNumbers: the numbers' voice and SMS webhooks point here";
  if (failing.length > 0) {
    const why = failing.map((f) => f.text).join(" | ");
    await recordCheckFailure(svc.db, name, now, why);
    return [{ provider: "twilio", outcome: "failed", detail: why }];
  }
  await recordCheckSuccess(svc.db, name, now, { check, warnings: findings.map((f) => f.text) });
  return [{ provider: "twilio", outcome: "verified", detail: check }];
}

async function checkSocial(svc: WebhookServices, now: Date): Promise<WebhookRoundTrip[]> {
  const env = svc.channelSettings;
  const out: WebhookRoundTrip[] = [];
  for (const network of networkList) {
    if (!network.webhookCheck) continue;
    const name = `webhooks:${network.name}`;
    if (!isConfigured(network, env)) {
      const why = `${network.label} is not set up here (${network.requiredSettings.join(", ")})`;
      await recordCheckNote(svc.db, name, { check: "not driven", unavailable: why });
      out.push({ provider: network.name, outcome: "unavailable", detail: why });
      continue;
    }
    // When the network was last asked to check the webhook (kept in the check's detail): its
    // check must have reached the webhook route since.
    const askedBefore = ((await findCheck(svc.db, name))?.detail as { askedAt?: unknown } | null)?.askedAt;
    let verdict;
    try {
      verdict = await network.webhookCheck({ ...contextFor(svc.db, network, env, now), publicUrl: svc.config.publicUrl });
    } catch (err) {
      const why = `${network.label} could not be asked about its webhook: ${err instanceof Error ? err.message : String(err)}`;
      await recordCheckFailure(svc.db, name, now, why);
      out.push({ provider: network.name, outcome: "failed", detail: why });
      continue;
    }
    if ("unavailable" in verdict) {
      await recordCheckNote(svc.db, name, { check: "not driven", unavailable: verdict.unavailable });
      out.push({ provider: network.name, outcome: "unavailable", detail: verdict.unavailable });
      continue;
    }
    const problems = [...verdict.problems];
    const answered = network.webhookAnswered ? ((await findCheck(svc.db, network.webhookAnswered.check))?.lastVerifiedAt ?? null) : null;
    // Answers are recorded at most every `everyMs`: one recorded that long before the request
    // may stand for the answer to it.
    const answeredSince = (asked: string) => answered !== null && Date.parse(answered) >= Date.parse(asked) - network.webhookAnswered!.everyMs;
    if (network.webhookAnswered && typeof askedBefore === "string" && !answeredSince(askedBefore)) {
      problems.push(`${network.label} was asked at ${askedBefore} to check the webhook again, and no check of ${network.label}'s has reached it since (last answered: ${answered ?? "never"})`);
    }
    const detail = { check: verdict.check, ...verdict.detail, answeredAt: answered, askedAt: verdict.asked ? now.toISOString() : null };
    if (problems.length > 0) {
      await recordCheckFailure(svc.db, name, now, problems.join(" | "));
      await recordCheckNote(svc.db, name, detail);
      out.push({ provider: network.name, outcome: "failed", detail: problems.join(" | ") });
    } else {
      await recordCheckSuccess(svc.db, name, now, detail);
      out.push({ provider: network.name, outcome: "verified", detail: verdict.check });
    }
  }
  return out;
}
