// The path canary's check of an ntfy page, which wakes nobody: a low-priority message to the
// canary topic (ASSURANCE_NTFY_TOPIC, which nobody subscribes to) on the server the person's
// topic lives on, with the same credentials a page uses. It proves the server takes our
// publishes; that the person's phone still subscribes is the weekly human-path check's job.
import { callProvider, trimSlash } from "../http";
import type { SilentCheckContext, SilentCheckResult } from "../types";

export async function checkNtfySilently(ctx: SilentCheckContext<"NTFY_SERVER" | "NTFY_TOKEN">, server: string | undefined): Promise<SilentCheckResult> {
  const base = trimSlash(server ?? ctx.settings.NTFY_SERVER);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (ctx.settings.NTFY_TOKEN) headers.authorization = `Bearer ${ctx.settings.NTFY_TOKEN}`;
  const payload = { topic: ctx.canary.ntfyTopic, title: "Assurance canary", message: `Canary run ${ctx.canary.runId}: nobody needs to read this.`, priority: 1 };
  const res = await callProvider("ntfy", `${base}/`, { method: "POST", headers, body: JSON.stringify(payload) }, ctx.timeoutMs);
  const id = (res.json as { id?: unknown } | null)?.id;
  return { check: `ntfy publish to the canary topic ${ctx.canary.ntfyTopic}`, detail: { server: base, id: typeof id === "string" ? id : null } };
}
