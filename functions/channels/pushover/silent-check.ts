// The path canary's check of a Pushover page, which wakes nobody: users/validate says whether
// the application token works and the person's user key is valid with at least one active
// device. https://pushover.net/api#verification
import { callProvider, trimSlash } from "../http";
import { ChannelError, requireSecrets, type SilentCheckContext, type SilentCheckResult } from "../types";

export async function checkPushoverSilently(ctx: SilentCheckContext<"PUSHOVER_API_BASE" | "PUSHOVER_APP_TOKEN">, userKey: string): Promise<SilentCheckResult> {
  requireSecrets(ctx.settings, "pushover", ["PUSHOVER_APP_TOKEN"]);
  const res = await callProvider(
    "pushover",
    `${trimSlash(ctx.settings.PUSHOVER_API_BASE)}/1/users/validate.json`,
    { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ token: ctx.settings.PUSHOVER_APP_TOKEN, user: userKey }).toString() },
    ctx.timeoutMs,
  );
  const body = res.json as { status?: unknown; devices?: unknown } | null;
  if (body?.status !== 1) throw new ChannelError(`pushover: users/validate answered status ${String(body?.status)}`, false);
  const devices = Array.isArray(body.devices) ? body.devices.length : null;
  if (devices === 0) throw new ChannelError("pushover: the user key is valid but has no active device: a page would reach no phone.", false);
  return { check: "Pushover users/validate (read-only)", detail: { devices } };
}
