// The path canary's check of mail pages, which wakes nobody: a mail through the same send_email
// binding and sender (MAIL_FROM) to the round-trip canary address (ASSURANCE_CANARY_MAIL).
// Email Routing delivers that address back to this Worker, whose email() handler records the
// arrival as the check "mail:round-trip" (functions/email/inbound.ts): a mail that leaves but
// never comes back shows there, not here.
import { ChannelError, type SilentCheckContext, type SilentCheckResult } from "../types";

/** The header that names the canary run in the round-trip mail. */
export const CANARY_RUN_HEADER = "X-Outofband-Canary";

export async function checkEmailSilently(ctx: SilentCheckContext<"EMAIL" | "MAIL_FROM">): Promise<SilentCheckResult> {
  if (!ctx.canary.mailTo) throw new ChannelError("email: ASSURANCE_CANARY_MAIL is not set: no round-trip address to send the canary to (README, Assurance).", false);
  try {
    const result = await ctx.settings.EMAIL.send({
      to: ctx.canary.mailTo,
      from: ctx.settings.MAIL_FROM,
      subject: `Assurance canary ${ctx.canary.runId}`,
      text: `Canary run ${ctx.canary.runId}. This mail comes back to the hub itself; nobody needs to read it.`,
      headers: { "Auto-Submitted": "auto-generated", [CANARY_RUN_HEADER]: ctx.canary.runId },
    });
    return { check: `send_email accepted a canary mail to ${ctx.canary.mailTo} (round trip: mail:round-trip)`, detail: { messageId: (result as { messageId?: string } | undefined)?.messageId ?? null } };
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    throw new ChannelError(`email: ${typeof code === "string" ? `${code}: ` : ""}${err instanceof Error ? err.message : String(err)}`, true);
  }
}
