// The path canary's round trip for X's webhook. X checks a webhook by sending it a CRC (a GET
// with a crc_token that only the consumer secret answers right) hourly and whenever asked; a
// webhook that fails is marked invalid and gets nothing until it passes again. Each run:
//   GET /2/webhooks        the webhook registered for <PUBLIC_URL>/hooks/x, and X's verdict
//   PUT /2/webhooks/:id    "check it again now": X sends its CRC to /hooks/x
//   GET /2/webhooks        X's verdict after that check (`valid`)
// with the app-only bearer token X_BEARER_TOKEN (these endpoints refuse OAuth 1.0a). The CRCs
// that reach /hooks/x are recorded there (`social:x:crc`); the canary reads both.
import { trimSlash } from "../http";
import { SocialApiError, type NetworkContext, type WebhookCheck } from "../types";

type Settings = Pick<Env, "X_API_BASE" | "X_BEARER_TOKEN">;

interface WebhookConfig {
  id: string;
  url: string;
  valid: boolean;
  created_at?: string;
}

async function call(ctx: NetworkContext<keyof Settings>, method: "GET" | "PUT", path: string): Promise<unknown> {
  const base = trimSlash(ctx.settings.X_API_BASE || "https://api.x.com");
  let res: Response;
  try {
    res = await fetch(`${base}/2/${path}`, { method, headers: { authorization: `Bearer ${ctx.settings.X_BEARER_TOKEN}`, accept: "application/json" }, signal: AbortSignal.timeout(ctx.timeoutMs) });
  } catch (err) {
    throw new SocialApiError(`X: ${method} /2/${path} failed (${err instanceof Error ? err.message : String(err)})`, { status: null, retryable: true });
  }
  const body = (await res.json().catch(() => null)) as { errors?: Array<{ message?: string }>; detail?: string; title?: string } | null;
  if (!res.ok) {
    const why = body?.errors?.[0]?.message ?? body?.detail ?? body?.title ?? "";
    throw new SocialApiError(`X: ${method} /2/${path} answered ${res.status}${why ? `: ${why}` : ""}`, { status: res.status, retryable: res.status === 429 || res.status >= 500 });
  }
  return body;
}

async function listWebhooks(ctx: NetworkContext<keyof Settings>): Promise<WebhookConfig[]> {
  const body = (await call(ctx, "GET", "webhooks")) as { data?: unknown } | null;
  return Array.isArray(body?.data) ? (body.data as WebhookConfig[]).filter((w) => typeof w?.id === "string" && typeof w.url === "string") : [];
}

export async function checkXWebhook(ctx: NetworkContext<keyof Settings> & { publicUrl: string }): Promise<WebhookCheck> {
  if (!ctx.settings.X_BEARER_TOKEN) return { unavailable: "X_BEARER_TOKEN is not set: X's webhook cannot be re-checked (mentions and DMs still arrive by polling)" };
  const url = `${ctx.publicUrl}/hooks/x`;
  const before = await listWebhooks(ctx);
  const mine = before.find((w) => w.url === url);
  if (!mine) {
    const others = before.map((w) => w.url).join(", ");
    return { problems: [`X has no webhook for ${url}${others ? ` (its webhooks point at ${others})` : ""}: X pushes nothing here`], check: "GET /2/webhooks", asked: false, detail: { url } };
  }
  await call(ctx, "PUT", `webhooks/${encodeURIComponent(mine.id)}`);
  const after = (await listWebhooks(ctx)).find((w) => w.id === mine.id);
  const problems: string[] = [];
  if (!after) problems.push(`X's webhook ${mine.id} disappeared while it was being checked`);
  else if (after.valid !== true) problems.push(`X marks its webhook ${mine.id} for ${url} invalid: its CRC check failed, and X pushes nothing here until one passes`);
  return { problems, asked: true, check: "X's CRC re-check of /hooks/x (PUT /2/webhooks/:id) and X's verdict on it", detail: { webhookId: mine.id, url, valid: after?.valid ?? null } };
}
