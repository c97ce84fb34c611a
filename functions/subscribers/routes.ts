// The public subscription routes (work without JavaScript):
//   GET  /subscribe                        the forms (email; webhook, Slack or Teams)
//   POST /subscribe                        subscribe: email answers 303 to /subscribe?sent=email
//   GET  /subscribe/confirm/{token}        a page with a button (scanners GET links: never confirms)
//   POST /subscribe/confirm/{token}        confirms (double opt-in)
//   GET  /subscribe/unsubscribe/{token}    a page with a button
//   POST /subscribe/unsubscribe/{token}    unsubscribes: RFC 8058 one-click (List-Unsubscribe=One-Click
//                                          from the mail client, answered in plain text) or the page's form
import { Hono, type Context } from "hono";
import { SubscribeInput } from "../../contract/subscribers";
import { siteConfig } from "../../site.config";
import { clientHashOf, isAllowedOrigin, protections } from "../platform/abuse";
import { readBodyText, requireContentType } from "../platform/body";
import { ApiError } from "../platform/errors";
import { html } from "../platform/html";
import type { AppEnv } from "../platform/types";
import { loadComponents } from "../status/queries";
import { renderManagePage, renderSubscribePage, type ComponentChoice, type SubscribePageState } from "./pages";
import { confirmSubscriber, findSubscriber, unsubscribe } from "./queries";
import { subscribeEmail, subscribeHook } from "./subscribe";
import { confirmSecretMatches, parseToken, verifyUnsubscribeToken } from "./tokens";

type Ctx = Context<AppEnv>;

const FORM_TYPE = "application/x-www-form-urlencoded";
/** The subscribe form's largest valid body is a URL and a hundred component ids: far below this. */
const MAX_FORM_BYTES = 16 * 1024;
/** RFC 8058 bodies are one short field; the page's form adds one more. */
const MAX_UNSUBSCRIBE_BYTES = 4 * 1024;
const RATE_LIMIT_RETRY_SECONDS = 60;

async function componentChoices(db: D1Database): Promise<ComponentChoice[]> {
  try {
    const { groups, components } = await loadComponents(db);
    const groupName = new Map(groups.map((g) => [g.id, g.name]));
    return components.map((c) => ({ id: c.id, name: c.groupId && groupName.has(c.groupId) ? `${c.name} (${groupName.get(c.groupId)})` : c.name }));
  } catch (err) {
    // The form still works without the list: the subscription is then for everything.
    console.error("subscribe: components unavailable", err);
    return [];
  }
}

const sentNotice = html`<p><strong>Check your inbox.</strong> If the address can receive mail, a link to confirm the subscription is on its way.
  Nothing else is sent until you follow it. No mail? Look in the spam folder, or try again in a few minutes.</p>`;

async function page(c: Ctx, state: Omit<SubscribePageState, "components">, status = 200): Promise<Response> {
  return renderSubscribePage(c.env, c.req.url, { ...state, components: await componentChoices(c.get("services").db) }, status);
}

function fieldsOf(err: unknown): Record<string, string> | null {
  if (!(err instanceof ApiError) || err.code !== "validation_failed") return null;
  const fields = err.options.fields ?? { _: err.message };
  // Nested paths (components.3) belong to their field.
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k.split(".")[0]!, v]));
}

/** The subscriber a confirmation link names, when its secret matches and it is still pending. */
async function pendingOfToken(c: Ctx) {
  const parts = parseToken(c.req.param("token") ?? "");
  const subscriber = parts ? await findSubscriber(c.get("services").db, parts.id) : null;
  if (!parts || !subscriber) return { subscriber: null, valid: false };
  const valid = subscriber.state === "pending" && (await confirmSecretMatches(parts.secret, subscriber.confirmTokenHash)) && (subscriber.confirmExpiresAt ?? "") > new Date().toISOString();
  return { subscriber, valid };
}

const invalidLink = { title: "This link does not work", lead: "This link is not valid. It may have expired, or been replaced by a newer one. Subscribe again to get a new link." };

export const subscribeRoutes = new Hono<AppEnv>()
  .get("/subscribe", async (c) => {
    const sent = c.req.query("sent") === "email";
    return page(c, { form: null, values: {}, errors: {}, ...(sent ? { notice: sentNotice } : {}) });
  })
  .post("/subscribe", async (c) => {
    const svc = c.get("services");
    const { config } = svc;
    const req = c.req.raw;
    const guard = protections(config);
    if (guard.has("origin") && !isAllowedOrigin(req, config.publicUrl)) {
      throw new ApiError("forbidden", "This form can only be sent from our own subscribe page. Please open it and try again.");
    }
    requireContentType(req, FORM_TYPE);
    const params = new URLSearchParams(await readBodyText(req, MAX_FORM_BYTES));
    const channel = params.get("channel") ?? "";
    const form = channel === "email" ? "email" : "hook";
    const values = {
      channel,
      email: (params.get("email") ?? "").slice(0, 500),
      url: (params.get("url") ?? "").slice(0, 3000),
      components: params.getAll("component").slice(0, 200),
    };
    const again = (errors: Record<string, string>, status: number, alert?: SubscribePageState["alert"]) => page(c, { form, values, errors, ...(alert ? { alert } : {}) }, status);

    if (guard.has("honeypot") && (params.get("website") ?? "") !== "") {
      return again({ website: "This field must stay empty. If you filled it in by mistake, clear it and send again." }, 400);
    }
    const parsed = SubscribeInput.safeParse({ channel, email: values.email, url: values.url, components: values.components });
    if (!parsed.success) {
      const errors: Record<string, string> = {};
      for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? "_")] ??= issue.message;
      return again(errors, 400);
    }
    const clientHash = await clientHashOf(config, req);
    if (guard.has("rate-limit")) {
      const { success } = await c.env.SUBSCRIBE_LIMITER.limit({ key: `subscribe:${clientHash ?? "no-address"}` });
      if (!success) {
        const res = await again({}, 429, html`<p><strong>Too many subscription requests from your connection in a short time.</strong> Please wait a minute and try again.</p>`);
        res.headers.set("Retry-After", String(RATE_LIMIT_RETRY_SECONDS));
        return res;
      }
    }
    const now = new Date();
    try {
      const input = parsed.data;
      if (input.channel === "email") {
        await subscribeEmail(svc, input, clientHash, now);
        // The same answer whatever happened: the form never tells whether an address is subscribed.
        return new Response(null, { status: 303, headers: { Location: "/subscribe?sent=email", "Cache-Control": "no-store" } });
      }
      const done = await subscribeHook(svc, input, clientHash, now);
      const where = { webhook: "your webhook", slack: "Slack", teams: "Microsoft Teams" }[done.channel];
      const notice = html`<p><strong>Subscribed.</strong> ${where} answered our first message, and will now be told about incidents and maintenance.</p>
        ${done.secret
          ? html`<p>Your signing secret, shown only this once (keep it; each delivery's <code>X-Outofband-Signature</code> header is an HMAC-SHA256 with it):</p>
              <p><code class="reference">${done.secret}</code></p>`
          : ""}
        <p>Every message carries a link to unsubscribe.</p>`;
      return page(c, { form: null, values: {}, errors: {}, notice });
    } catch (err) {
      const fields = fieldsOf(err);
      if (fields) return again(fields, 400);
      if (err instanceof ApiError && err.code === "rate_limited") {
        const res = await again({}, 429, html`<p><strong>${err.message}</strong></p>`);
        res.headers.set("Retry-After", err.options.headers?.["Retry-After"] ?? "3600");
        return res;
      }
      if (err instanceof ApiError) throw err;
      console.error("subscribe failed", err);
      return again({}, 503, html`<p><strong>We cannot take subscriptions right now.</strong> Please try again in a few minutes. The <a href="/history.atom">feed</a> works meanwhile.</p>`);
    }
  })
  .get("/subscribe/confirm/:token", async (c) => {
    const { subscriber, valid } = await pendingOfToken(c);
    if (valid) return renderManagePage(c.env, c.req.url, { title: "Confirm your subscription", lead: `Press the button to start receiving ${siteConfig.name} status updates at this address.`, button: "Confirm my subscription" });
    if (subscriber?.state === "active") return renderManagePage(c.env, c.req.url, { title: "You are subscribed", lead: "This subscription is already confirmed. Every update mail has a link to unsubscribe." });
    return renderManagePage(c.env, c.req.url, invalidLink, 404);
  })
  .post("/subscribe/confirm/:token", async (c) => {
    const { subscriber, valid } = await pendingOfToken(c);
    if (valid && subscriber && (await confirmSubscriber(c.get("services").db, subscriber.id, new Date().toISOString()))) {
      return renderManagePage(c.env, c.req.url, { title: "You are subscribed", lead: `You will get ${siteConfig.name} status updates by mail. Every mail has a link to unsubscribe with one click.` });
    }
    if (subscriber?.state === "active") return renderManagePage(c.env, c.req.url, { title: "You are subscribed", lead: "This subscription is already confirmed." });
    return renderManagePage(c.env, c.req.url, invalidLink, 404);
  })
  .get("/subscribe/unsubscribe/:token", async (c) => {
    const id = await verifyUnsubscribeToken(c.get("services").config, c.req.param("token"));
    const subscriber = id ? await findSubscriber(c.get("services").db, id) : null;
    if (!subscriber) return renderManagePage(c.env, c.req.url, { title: "This link does not work", lead: "This unsubscribe link is not valid. Check that the whole link was copied." }, 404);
    if (subscriber.state === "unsubscribed") return renderManagePage(c.env, c.req.url, { title: "You are unsubscribed", lead: "You get no more status updates from us here." });
    return renderManagePage(c.env, c.req.url, { title: "Unsubscribe?", lead: `Press the button to stop ${siteConfig.name} status updates ${subscriber.channel === "email" ? "to this address" : "to this channel"}.`, button: "Unsubscribe" });
  })
  .post("/subscribe/unsubscribe/:token", async (c) => {
    const svc = c.get("services");
    const req = c.req.raw;
    const type = (req.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    const text = await readBodyText(req, MAX_UNSUBSCRIBE_BYTES);
    // RFC 8058 allows both form encodings; multipart is read by the platform's own parser.
    const form = type === "multipart/form-data" ? await new Response(text, { headers: { "content-type": req.headers.get("content-type")! } }).formData().catch(() => null) : new URLSearchParams(text);
    const fromPage = form?.get("via") === "page";
    const id = await verifyUnsubscribeToken(svc.config, c.req.param("token"));
    const subscriber = id ? await findSubscriber(svc.db, id) : null;
    if (!subscriber) {
      if (fromPage) return renderManagePage(c.env, c.req.url, { title: "This link does not work", lead: "This unsubscribe link is not valid." }, 404);
      return new Response("This unsubscribe link is not valid.\n", { status: 404, headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" } });
    }
    await unsubscribe(svc.db, subscriber.id, fromPage ? "self" : "one-click", new Date().toISOString());
    if (fromPage) return renderManagePage(c.env, c.req.url, { title: "You are unsubscribed", lead: `You get no more ${siteConfig.name} status updates here. You can subscribe again at any time.` });
    return new Response("Unsubscribed.\n", { status: 200, headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" } });
  });
