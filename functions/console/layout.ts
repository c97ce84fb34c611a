// Console pages: the Astro shell (src/pages/admin/shell.astro) filled with HTMLRewriter, like
// the public pages. The shell holds the look, the navigation and the passkey script; here the
// Worker fills the title, removes navigation the signed-in role cannot use, and puts in the
// notice and the main content, which the view functions build with the escaping `html`
// template: nothing staff or reporters wrote is ever markup.
import { hasScope, type StaffScope } from "../../contract/staff";
import { siteConfig } from "../../site.config";
import type { ApiError } from "../platform/errors";
import { escapeHtml, html, type SafeHtml } from "../platform/html";
import { fetchShell, liveResponse, setText } from "../platform/shell";
import type { StaffPrincipal } from "../platform/types";

export const SHELL_PATH = "/admin/shell.html";

export type NavKey = "dashboard" | "incidents" | "reports" | "oncall" | "people" | "audit" | "me" | "none";

export interface Flash {
  kind: "ok" | "error" | "warn";
  text: string | SafeHtml;
}

export interface ConsolePage {
  title: string;
  nav: NavKey;
  /** Null on the signed-out pages (sign-in, invitation): no navigation, no user. */
  staff: StaffPrincipal | null;
  main: SafeHtml;
  flash?: Flash | null;
  status?: number;
}

function attr(value: string): string {
  return escapeHtml(value);
}

export async function renderConsolePage(env: Env, requestUrl: string, page: ConsolePage): Promise<Response> {
  const shell = await fetchShell(env, requestUrl, SHELL_PATH);
  const staff = page.staff;
  let rw = setText(new HTMLRewriter(), "title", `${page.title} · ${siteConfig.name} console`);
  if (!staff) {
    rw = rw.on("[data-slot=nav], [data-slot=user]", {
      element(el) {
        el.remove();
      },
    });
  } else {
    rw = rw
      .on("[data-slot=nav] a", {
        element(el) {
          const scope = el.getAttribute("data-scope");
          if (scope && !hasScope(staff.scopes, scope as StaffScope)) {
            el.remove();
            return;
          }
          if (el.getAttribute("data-nav") === page.nav) el.setAttribute("aria-current", "page");
        },
      })
      .on("[data-slot=user-name]", {
        element(el) {
          el.setInnerContent(staff.role ? `${staff.name} · ${staff.role}` : staff.name, { html: false });
        },
      })
      .on("[data-slot=csrf]", {
        element(el) {
          el.setAttribute("value", attr(staff.session?.csrfToken ?? ""));
        },
      });
  }
  if (page.flash) {
    const flash = page.flash;
    rw = rw.on("[data-slot=flash]", {
      element(el) {
        el.setInnerContent(html`<div class="flash" data-kind="${flash.kind}" role="${flash.kind === "error" ? "alert" : "status"}"><p>${flash.text}</p></div>`.toString(), {
          html: true,
        });
      },
    });
  }
  rw = rw.on("[data-slot=main]", {
    element(el) {
      el.setInnerContent(page.main.toString(), { html: true });
    },
  });
  const res = liveResponse(rw.transform(shell), page.status ?? 200, "no-store");
  res.headers.set("x-robots-tag", "noindex, nofollow");
  return res;
}

const errorTitles: Record<number, string> = {
  400: "That could not be done",
  401: "Sign in needed",
  403: "Not allowed",
  404: "Not found",
  405: "Not allowed here",
  409: "Conflict",
  413: "Too large",
  415: "Unsupported format",
  429: "Too many attempts",
  500: "Something went wrong",
  503: "Temporarily unavailable",
};

/** An error on a console page, in the console's own shell (the app's error hook calls it). */
export async function renderConsoleError(env: Env, requestUrl: string, err: ApiError, requestId: string, staff: StaffPrincipal | null): Promise<Response> {
  const title = errorTitles[err.status] ?? "Error";
  const fields = Object.entries(err.options.fields ?? {});
  const main = html`<h1>${title}</h1>
    <p>${err.message}</p>
    ${fields.length > 1 ? html`<ul>${fields.map(([k, v]) => html`<li>${k}: ${v}</li>`)}</ul>` : ""}
    <p class="buttons">${err.status === 401 ? html`<a class="button" href="/admin/sign-in">Sign in</a>` : html`<a class="button secondary" href="/admin">Back to the dashboard</a>`}</p>
    <p class="muted small">Request id: <code>${requestId}</code></p>`;
  const res = await renderConsolePage(env, requestUrl, { title, nav: "none", staff, main, status: err.status });
  for (const [k, v] of Object.entries(err.options.headers ?? {})) res.headers.set(k, v);
  return res;
}

// ---- small view helpers ---------------------------------------------------------------------

/** A UTC time people read, in a <time> the browser may show in its own zone. */
export function time(iso: string | null | undefined): SafeHtml {
  if (!iso) return html`<span class="muted">never</span>`;
  return html`<time datetime="${iso}">${iso.replace("T", " ").slice(0, 16)} UTC</time>`;
}

/** "5 min ago", "3 h ago", "2 days ago" (or "in 5 min"), next to an exact time. */
export function ago(iso: string | null | undefined, now: Date): string {
  if (!iso) return "";
  const ms = now.getTime() - Date.parse(iso);
  const future = ms < 0;
  const abs = Math.abs(ms);
  const text =
    abs < 60_000 ? "less than a minute" : abs < 3_600_000 ? `${Math.round(abs / 60_000)} min` : abs < 48 * 3_600_000 ? `${Math.round(abs / 3_600_000)} h` : `${Math.round(abs / 86_400_000)} days`;
  return future ? `in ${text}` : `${text} ago`;
}

export type Tone = "bad" | "warn" | "ok" | "info" | "none";

export function tag(text: string, tone: Tone = "none"): SafeHtml {
  return html`<span class="tag" data-tone="${tone}">${text}</span>`;
}

export function csrfField(staff: StaffPrincipal): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${staff.session?.csrfToken ?? ""}" />`;
}

/** A one-button form (acknowledge, resolve, take over): works without JavaScript. */
export function actionButton(staff: StaffPrincipal, action: string, label: string, opts: { style?: "secondary" | "danger"; hidden?: Record<string, string> } = {}): SafeHtml {
  const hidden = Object.entries(opts.hidden ?? {}).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}" />`);
  return html`<form method="post" action="${action}">${csrfField(staff)}${hidden}<button type="submit" class="button small${opts.style ? ` ${opts.style}` : ""}">${label}</button></form>`;
}

/** Notices after a redirect come by a fixed key in the query (never text from the URL). */
export const notices: Record<string, Flash> = {
  "signed-in": { kind: "ok", text: "Signed in." },
  "incident-opened": { kind: "ok", text: "Incident opened: it is on the status page now." },
  "update-posted": { kind: "ok", text: "Update posted: the status page shows it now." },
  "maintenance-scheduled": { kind: "ok", text: "Maintenance scheduled." },
  "component-changed": { kind: "ok", text: "Component status changed." },
  acknowledged: { kind: "ok", text: "Acknowledged: escalation stopped, the reporter sees that someone is on it." },
  resolved: { kind: "ok", text: "Resolved." },
  "reply-sent": { kind: "ok", text: "Reply sent: it is in the reporter's private view and on its way to them." },
  "reply-kept": { kind: "warn", text: "Reply kept in the thread (the reporter's private view), but it could not be sent: see the note under it." },
  "alert-acknowledged": { kind: "ok", text: "Alert acknowledged: nobody else is paged for it." },
  "alert-resolved": { kind: "ok", text: "Alert resolved." },
  "took-over": { kind: "ok", text: "You are on call now: new pages of this rotation go to you." },
  "member-updated": { kind: "ok", text: "Saved." },
  "token-revoked": { kind: "ok", text: "Token revoked: requests with it now get 401." },
  "passkey-added": { kind: "ok", text: "Passkey saved: sign in with it from now on." },
  "passkey-removed": { kind: "ok", text: "Passkey removed." },
  "sessions-ended": { kind: "ok", text: "Your other sessions have ended." },
  "report-signal-shown": { kind: "ok", text: "The status page now says customers are reporting problems with it, for two hours." },
  "report-signal-hidden": { kind: "ok", text: "Taken down from the status page." },
};

export function flashFrom(requestUrl: string): Flash | null {
  const key = new URL(requestUrl).searchParams.get("done");
  return key ? (notices[key] ?? null) : null;
}

export function redirect(location: string): Response {
  return new Response(null, { status: 303, headers: { location, "cache-control": "no-store" } });
}
