// The mail channel's round trip: the path canary sends a mail with send_email to the canary
// address (ASSURANCE_CANARY_MAIL), and Email Routing delivers it back here. Its arrival proves
// sending, routing and this handler together, and is recorded as the check "mail:round-trip".
// Only a mail naming a run the canary really started counts (X-Outofband-Canary carries the
// run's random id), so mail from anyone else to that address proves nothing and is dropped.
import { listRunProbes, recordCheckSuccess } from "../assurance/queries";
import type { Services } from "../platform/services";
import { baseAddress } from "./addresses.pure";

export const CANARY_RUN_HEADER = "x-outofband-canary";

/** True when the mail was for the canary address (handled here: never forwarded or filed). */
export async function receiveCanaryRoundTrip(svc: Pick<Services, "db">, canaryAddress: string | undefined, message: ForwardableEmailMessage, now: Date): Promise<boolean> {
  if (!canaryAddress || baseAddress(message.to).toLowerCase() !== baseAddress(canaryAddress).toLowerCase()) return false;
  const runId = (message.headers.get(CANARY_RUN_HEADER) ?? "").trim();
  const probes = /^[0-9a-f-]{36}$/.test(runId) ? await listRunProbes(svc.db, runId) : [];
  if (probes.length === 0) {
    console.warn(`email: mail to the canary address from ${message.from} names no canary run: dropped`);
    return true;
  }
  const sentAt = probes[0]!.createdAt;
  await recordCheckSuccess(svc.db, "mail:round-trip", now, { check: "send_email -> Email Routing -> email() handler", run: runId, latencyMs: now.getTime() - Date.parse(sentAt) });
  return true;
}
