// Signing in to the console: passkeys first (WebAuthn needs JavaScript; the buttons stay hidden
// without it), a staff token as the fallback for scripts and browsers without JavaScript, and
// Cloudflare Access when it is configured (auth.ts). Invitations register a member's first
// passkey. Failed sign-ins are counted per client and locked out for a while (session.pure.ts).
import { Hono, type Context } from "hono";
import * as z from "zod";
import { siteConfig } from "../../site.config";
import { readBodyText } from "../platform/body";
import { constantTimeEqual, randomToken } from "../platform/crypto";
import { ApiError } from "../platform/errors";
import { html, type SafeHtml } from "../platform/html";
import type { AppEnv } from "../platform/types";
import { auditStatement } from "../staff/queries";
import { isSameOrigin, MAX_CONSOLE_BODY_BYTES, sessionFromAccess } from "../staff/auth";
import { claimInvite, usableInvite } from "../staff/members";
import {
  AuthenticationResponse,
  authenticationOptions,
  PasskeyLabel,
  PasskeySignInError,
  registrationOptions,
  relyingPartyFor,
  requireRelyingParty,
  RegistrationResponse,
  verifyAuthentication,
  verifyRegistration,
} from "../staff/passkeys";
import { clearedCookie, readCookie, safeNext, SESSION_COOKIE, SIGNIN_COOKIE, signInCookie } from "../staff/session.pure";
import { principalFromToken, recordFailedSignIn, sessionFromRequest, signInClientKey, signInWait, startSession } from "../staff/session";
import { FORM_TYPE, jsonOf } from "./forms";
import { flashFrom, redirect, renderConsolePage, type Flash } from "./layout";

type Ctx = Context<AppEnv>;

/** Console paths reachable without a session: everything else under /admin needs one. */
const PUBLIC_PATHS = [/^\/admin\/sign-in$/, /^\/admin\/sign-in\/passkey(?:\/options)?$/, /^\/admin\/invite\/[^/]+(?:\/options)?$/];
export function isPublicConsolePath(path: string): boolean {
  return PUBLIC_PATHS.some((p) => p.test(path));
}

/** JSON endpoints of the passkey script: our own page's fetch always names its origin. */
function requireScriptOrigin(c: Ctx): void {
  const origin = c.req.header("origin");
  if (!origin || origin !== new URL(c.req.url).origin) throw new ApiError("forbidden", "Passkey requests must come from the console page itself.");
}

async function refuseLockedOut(c: Ctx, key: string): Promise<void> {
  const wait = await signInWait(c.env.DB, key, new Date());
  if (wait !== null) {
    throw new ApiError("rate_limited", `Too many failed sign-ins from here. Wait ${Math.ceil(wait / 60)} minute(s), then try again.`, {
      headers: { "Retry-After": String(wait) },
    });
  }
}

async function bodyText(c: Ctx): Promise<string> {
  return readBodyText(c.req.raw, MAX_CONSOLE_BODY_BYTES);
}

/** After sign-in: the page asked for, with a notice; the session cookie replaces any old one. */
function signedIn(cookie: string, next: string, json: boolean): Response {
  const target = next === "/admin" ? "/admin?done=signed-in" : next;
  const headers = new Headers({ "cache-control": "no-store" });
  headers.append("set-cookie", cookie);
  headers.append("set-cookie", clearedCookie(SIGNIN_COOKIE));
  if (json) {
    headers.set("content-type", "application/json");
    return new Response(JSON.stringify({ redirect: target }), { status: 200, headers });
  }
  headers.set("location", target);
  return new Response(null, { status: 303, headers });
}

// ---- views ----------------------------------------------------------------------------------

function signInView(p: { next: string; formToken: string; passkeyAt: string | null; passkeysHere: boolean; error?: string; accessConfigured: boolean }): SafeHtml {
  return html`<h1>Sign in to the ${siteConfig.name} console</h1>
    ${p.error ? html`<div class="flash" data-kind="error" role="alert"><p>${p.error}</p></div>` : ""}
    ${
      p.passkeysHere
        ? html`<section class="card passkey-area" data-passkey-area hidden>
            <h2>With a passkey</h2>
            <p>Use the passkey on this device or your phone. No password, nothing to type.</p>
            <p><button type="button" class="button" data-passkey="sign-in" data-next="${p.next}">Sign in with a passkey</button></p>
            <p class="status-line" data-passkey-status role="status" aria-live="polite"></p>
          </section>
          <p class="muted" data-passkey-missing>Passkeys need JavaScript, which is off or unavailable here. Use a staff token below.</p>`
        : p.passkeyAt
          ? html`<p class="muted">Passkeys work on <a href="${p.passkeyAt}/admin/sign-in">${p.passkeyAt}</a> (a passkey belongs to one address). Here, use a staff token.</p>`
          : ""
    }
    ${p.accessConfigured ? html`<p class="muted">This console is also behind Cloudflare Access: signed in there, you are signed in here.</p>` : ""}
    <section>
      <h2>With a staff token</h2>
      <p class="muted">For browsers without JavaScript and for scripts. Tokens come from an admin (<code>npm run staff -- token create</code>).</p>
      <form class="console-form card" method="post" action="/admin/sign-in">
        <input type="hidden" name="csrf" value="${p.formToken}" />
        <input type="hidden" name="next" value="${p.next}" />
        <div class="field">
          <label for="token">Staff token</label>
          <input type="password" id="token" name="token" autocomplete="off" required maxlength="256" spellcheck="false" />
        </div>
        <p class="buttons"><button type="submit" class="button">Sign in with the token</button></p>
      </form>
    </section>`;
}

function inviteView(p: { token: string; name: string; role: string; passkeysHere: boolean; passkeyAt: string | null }): SafeHtml {
  return html`<h1>Welcome, ${p.name}</h1>
    <p class="lead">You are invited to the ${siteConfig.name} staff console as a <strong>${p.role}</strong>. Create a passkey to sign in: on this device, or a phone or security key.</p>
    ${
      p.passkeysHere
        ? html`<section class="card passkey-area" data-passkey-area hidden>
            <div class="console-form">
              <div class="field">
                <label for="label">Name this passkey <span class="req">(optional)</span></label>
                <input type="text" id="label" name="label" maxlength="60" placeholder="e.g. Work laptop" autocomplete="off" />
              </div>
              <p class="buttons"><button type="button" class="button" data-passkey="register" data-options-url="/admin/invite/${p.token}/options" data-verify-url="/admin/invite/${p.token}">Create my passkey</button></p>
              <p class="status-line" data-passkey-status role="status" aria-live="polite"></p>
            </div>
          </section>
          <p class="muted" data-passkey-missing>Creating a passkey needs JavaScript, which is off or unavailable here. Open this link in a browser with JavaScript, or ask an admin for a staff token.</p>`
        : html`<p>Passkeys work on ${p.passkeyAt ?? "the console's own address"}: ${p.passkeyAt ? html`<a href="${p.passkeyAt}/admin/invite/${p.token}">open this invitation there</a>` : "ask an admin"}.</p>`
    }
    <p class="muted small">This link works once and expires. Do not forward it.</p>`;
}

/** The first configured origin where passkeys work (a host name, not an IP address). */
function passkeyOrigin(origins: string[]): string | null {
  return origins.find((o) => !/^https?:\/\/(\d+\.\d+\.\d+\.\d+|\[)/.test(o)) ?? null;
}

async function renderSignIn(c: Ctx, opts: { next: string; error?: string; status?: number; flash?: Flash | null }): Promise<Response> {
  const config = c.get("services").config;
  // The double-submit token of this form (there is no session yet to hold one).
  const formToken = readCookie(c.req.header("cookie") ?? null, SIGNIN_COOKIE) ?? randomToken(24);
  const res = await renderConsolePage(c.env, c.req.url, {
    title: "Sign in",
    nav: "none",
    staff: null,
    flash: opts.flash,
    status: opts.status,
    main: signInView({
      next: opts.next,
      formToken,
      passkeysHere: relyingPartyFor(config, c.req.url) !== null,
      passkeyAt: passkeyOrigin(config.console.origins),
      error: opts.error,
      accessConfigured: config.console.access !== null,
    }),
  });
  res.headers.append("set-cookie", signInCookie(formToken));
  return res;
}

const signedOutNotice: Flash = { kind: "ok", text: "Signed out." };

// ---- routes ---------------------------------------------------------------------------------

const PasskeySignIn = z.object({ challengeId: z.string().regex(/^wch_[A-Za-z0-9_-]{10,40}$/), response: AuthenticationResponse, next: z.string().max(500).optional() });
const PasskeyRegister = z.object({ challengeId: z.string().regex(/^wch_[A-Za-z0-9_-]{10,40}$/), response: RegistrationResponse, label: PasskeyLabel.default("Passkey") });

export const signInRoutes = new Hono<AppEnv>()
  .get("/admin/sign-in", async (c) => {
    const next = safeNext(c.req.query("next"));
    const deps = { db: c.env.DB, envToken: c.env.STAFF_TOKEN ?? "" };
    const current = await sessionFromRequest(deps, c.req.raw, new Date());
    if (current.principal) return redirect(next);
    const opened = await sessionFromAccess(c);
    if (opened) return signedIn(opened.cookie, next, false);
    const flash = new URL(c.req.url).searchParams.get("done") === "signed-out" ? signedOutNotice : flashFrom(c.req.url);
    return renderSignIn(c, { next, flash });
  })
  .post("/admin/sign-in", async (c) => {
    const now = new Date();
    const svc = c.get("services");
    const deps = { db: c.env.DB, envToken: c.env.STAFF_TOKEN ?? "" };
    const key = await signInClientKey(svc.config, c.req.raw);
    await refuseLockedOut(c, key);
    const bearer = /^Bearer\s+(\S{1,256})$/i.exec((c.req.header("authorization") ?? "").trim());
    const userAgent = c.req.header("user-agent") ?? null;
    if (bearer) {
      // Scripts: a header no other site can make a browser send, so no form token is needed.
      const found = await principalFromToken(deps, bearer[1]!, now);
      if (!found) {
        await recordFailedSignIn(c.env.DB, key, "token", now);
        throw new ApiError("unauthorized", "That staff token is not valid or has been revoked.");
      }
      const started = await startSession(c.env.DB, { kind: "token", tokenId: found.tokenId, principal: found.principal }, { now, userAgent });
      return signedIn(started.cookie, safeNext(c.req.query("next")), (c.req.header("accept") ?? "").includes("application/json"));
    }
    if (!isSameOrigin(c.req.raw)) throw new ApiError("forbidden", "This form can only be sent from the console's sign-in page.");
    if ((c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase() !== FORM_TYPE) {
      throw new ApiError("unsupported_media_type", `Send the form as ${FORM_TYPE}.`);
    }
    const form = new URLSearchParams(await bodyText(c));
    const next = safeNext(form.get("next"));
    const cookieToken = readCookie(c.req.header("cookie") ?? null, SIGNIN_COOKIE);
    const sentToken = form.get("csrf") ?? "";
    if (!cookieToken || !(await constantTimeEqual(cookieToken, sentToken))) {
      return renderSignIn(c, { next, error: "The sign-in form expired. It has been renewed: sign in again.", status: 403 });
    }
    const token = (form.get("token") ?? "").trim();
    const found = token ? await principalFromToken(deps, token, now) : null;
    if (!found) {
      await recordFailedSignIn(c.env.DB, key, "token", now);
      return renderSignIn(c, { next, error: token ? "That staff token is not valid or has been revoked." : "Enter a staff token.", status: 401 });
    }
    const started = await startSession(c.env.DB, { kind: "token", tokenId: found.tokenId, principal: found.principal }, { now, userAgent });
    return signedIn(started.cookie, next, false);
  })
  .post("/admin/sign-in/passkey/options", async (c) => {
    requireScriptOrigin(c);
    const svc = c.get("services");
    await refuseLockedOut(c, await signInClientKey(svc.config, c.req.raw));
    await bodyText(c);
    const rp = requireRelyingParty(svc.config, c.req.url);
    const { challengeId, options } = await authenticationOptions(c.env.DB, { rp, now: new Date() });
    c.header("Cache-Control", "no-store");
    return c.json({ challengeId, options });
  })
  .post("/admin/sign-in/passkey", async (c) => {
    requireScriptOrigin(c);
    const now = new Date();
    const svc = c.get("services");
    const key = await signInClientKey(svc.config, c.req.raw);
    await refuseLockedOut(c, key);
    const input = jsonOf(c, PasskeySignIn, await bodyText(c));
    const rp = requireRelyingParty(svc.config, c.req.url);
    try {
      const { member, passkey, statement } = await verifyAuthentication(c.env.DB, { challengeId: input.challengeId, response: input.response, rp, now });
      await c.env.DB.batch([statement]);
      const started = await startSession(c.env.DB, { kind: "member", member, method: "passkey" }, { now, userAgent: c.req.header("user-agent") ?? null });
      console.log(`console: ${member.id} signed in with passkey ${passkey.id.slice(0, 8)}…`);
      return signedIn(started.cookie, safeNext(input.next), true);
    } catch (err) {
      if (!(err instanceof PasskeySignInError)) throw err;
      await recordFailedSignIn(c.env.DB, key, "passkey", now);
      console.warn(`console: passkey sign-in refused: ${err.reason}`);
      throw new ApiError("unauthorized", "That passkey was not accepted here. If it is an old one, ask an admin for a new invitation.");
    }
  })
  .get("/admin/invite/:token", async (c) => {
    const config = c.get("services").config;
    const found = await usableInvite(c.env.DB, c.req.param("token"), new Date());
    if (!found) throw new ApiError("not_found", "This invitation has expired, was used already, or does not exist. Ask an admin for a new one.");
    // The shell's referrer policy (same-origin) keeps the link's token from other sites.
    return renderConsolePage(c.env, c.req.url, {
      title: "Your invitation",
      nav: "none",
      staff: null,
      main: inviteView({
        token: c.req.param("token"),
        name: found.member.displayName,
        role: found.member.role,
        passkeysHere: relyingPartyFor(config, c.req.url) !== null,
        passkeyAt: passkeyOrigin(config.console.origins),
      }),
    });
  })
  .post("/admin/invite/:token/options", async (c) => {
    requireScriptOrigin(c);
    await bodyText(c);
    const svc = c.get("services");
    const now = new Date();
    const found = await usableInvite(c.env.DB, c.req.param("token"), now);
    if (!found) throw new ApiError("not_found", "This invitation has expired, was used already, or does not exist. Ask an admin for a new one.");
    const rp = requireRelyingParty(svc.config, c.req.url);
    const { challengeId, options } = await registrationOptions(c.env.DB, { member: found.member, inviteId: found.invite.id, rp, now });
    c.header("Cache-Control", "no-store");
    return c.json({ challengeId, options });
  })
  .post("/admin/invite/:token", async (c) => {
    requireScriptOrigin(c);
    const svc = c.get("services");
    const now = new Date();
    const input = jsonOf(c, PasskeyRegister, await bodyText(c));
    const found = await usableInvite(c.env.DB, c.req.param("token"), now);
    if (!found) throw new ApiError("not_found", "This invitation has expired, was used already, or does not exist. Ask an admin for a new one.");
    const rp = requireRelyingParty(svc.config, c.req.url);
    const { passkey, statement } = await verifyRegistration(c.env.DB, {
      challengeId: input.challengeId,
      response: input.response,
      rp,
      label: input.label,
      now,
      memberId: found.member.id,
      inviteId: found.invite.id,
    });
    // The invitation is used by one conditional update: two registrations at once cannot both win.
    if (!(await claimInvite(c.env.DB, found.invite.id, now.toISOString()))) throw new ApiError("conflict", "This invitation was used a moment ago.");
    const member = found.member;
    await c.env.DB.batch([
      statement,
      auditStatement(c.env.DB, {
        actor: member.displayName,
        actorId: `member:${member.id}`,
        action: "staff.passkey.add",
        target: member.id,
        after: { passkey: passkey.id, label: passkey.label, device_type: passkey.deviceType },
        detail: { via: "invitation" },
        now,
      }),
    ]);
    const started = await startSession(c.env.DB, { kind: "member", member, method: "passkey" }, { now, userAgent: c.req.header("user-agent") ?? null });
    return signedIn(started.cookie, "/admin?done=passkey-added", true);
  });

/** The sign-out button of every console page (session and CSRF checked by the console's guard). */
export function signOutResponse(): Response {
  const headers = new Headers({ location: "/admin/sign-in?done=signed-out", "cache-control": "no-store" });
  headers.append("set-cookie", clearedCookie(SESSION_COOKIE));
  return new Response(null, { status: 303, headers });
}
