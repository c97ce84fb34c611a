// Forward first: the post-mortem's own fix. Each mail to an intake address goes to every
// destination configured for it before anything else happens, independently of D1, R2, the
// queue and parsing, so that it reaches people even when this Worker's storage is down.
// A failed forward is recorded (assurance `email-forward:<address>-><destination>`) and raised as one
// alert per broken destination (signal `email-forward:<address>`), which pages through the
// other channels; the next forward that works resolves it.
import { checkFailureStatement, checkSuccessStatement, checksStatement } from "../assurance/queries";
import type { Services } from "../platform/services";
import type { EmailIntakeEntry } from "../../contract/email-intake";
import type { ForwardOutcome } from "./queries";

/** A forward that has not finished after this long counts as failed (the mail is stored). */
export const FORWARD_TIMEOUT_MS = 15_000;

/** Added to every forwarded copy: a forward destination that sends it back is seen as a loop. */
export const FORWARDED_HEADER = "X-Outofband-Intake";

export async function forwardToAll(message: ForwardableEmailMessage, entry: EmailIntakeEntry): Promise<ForwardOutcome[]> {
  return Promise.all(
    entry.forwardTo.map(async (to): Promise<ForwardOutcome> => {
      let timer: ReturnType<typeof setTimeout> | null = null;
      try {
        const headers = new Headers({ [FORWARDED_HEADER]: entry.address });
        await Promise.race([
          message.forward(to, headers),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${FORWARD_TIMEOUT_MS / 1000} s`)), FORWARD_TIMEOUT_MS);
          }),
        ]);
        return { to, ok: true };
      } catch (err) {
        return { to, ok: false, error: (err instanceof Error ? err.message : String(err)).slice(0, 300) };
      } finally {
        if (timer !== null) clearTimeout(timer);
      }
    }),
  );
}

/** The assurance check of one intake address's forward to one destination. */
export const forwardCheckName = (intake: string, to: string) => `email-forward:${intake}->${to}`;

/**
 * Records each forward's outcome and raises (or resolves) the alert for a broken destination:
 * one D1 batch reads the checks as they were and writes the new outcomes. A destination that
 * was already failing does not raise again; when D1 cannot be reached the alert is raised
 * anyway (the fan-out deduplicates by key).
 */
export async function recordForwards(svc: Pick<Services, "db" | "queue">, entry: EmailIntakeEntry, outcomes: ForwardOutcome[], now: Date): Promise<void> {
  if (outcomes.length === 0) return;
  const names = outcomes.map((o) => forwardCheckName(entry.address, o.to));
  let before: Array<{ name: string; last_verified_at: string | null; last_error_at: string | null }> = [];
  try {
    const [read] = await svc.db.batch<{ name: string; last_verified_at: string | null; last_error_at: string | null }>([
      checksStatement(svc.db, names),
      ...outcomes.map((o, i) => (o.ok ? checkSuccessStatement(svc.db, names[i]!, now, { intake: entry.address }) : checkFailureStatement(svc.db, names[i]!, now, o.error ?? "forward failed"))),
    ]);
    before = read?.results ?? [];
  } catch (err) {
    console.error("email: could not record forwards", err);
  }
  for (const [i, o] of outcomes.entries()) {
    const was = before.find((c) => c.name === names[i]);
    const wasFailing = !!was?.last_error_at && (!was.last_verified_at || was.last_error_at > was.last_verified_at);
    const key = `email-forward:${entry.address}:${o.to}`.slice(0, 200);
    if (o.ok) {
      if (wasFailing) await svc.queue.send({ type: "signal.recovered", source: "email", sourceId: "forward", key });
      continue;
    }
    if (wasFailing) continue;
    await svc.queue.send({
      type: "signal.raised",
      source: "email",
      sourceId: "forward",
      key,
      subject: `Mail to ${entry.address} could not be forwarded to ${o.to}`.slice(0, 300),
      text: [
        `Mail sent to ${entry.address} is not reaching ${o.to}: ${o.error ?? "the forward failed"}.`,
        "The mail itself is stored and filed as a report where it is one; but the forward is the safety net when this",
        "Worker's storage fails, and it is broken. Check the destination in Cloudflare Email Routing (verified?),",
        `and EMAIL_INTAKE in wrangler.toml. This alert resolves itself at the next forward that works.`,
      ].join("\n"),
      componentId: null,
      urgency: "high",
    });
  }
}
