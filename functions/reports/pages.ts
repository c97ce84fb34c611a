// The report pages: static shells from the Astro build (src/pages/report*.astro) filled with
// HTMLRewriter. Every value people wrote goes in as text or as an attribute value (both
// escaped by the rewriter), or through the escaping `html` template: never as markup.
import { siteConfig, socialContacts } from "../../site.config";
import { escapeHtml, html, type SafeHtml } from "../platform/html";
import { htmlContentSecurityPolicy } from "../platform/security-headers";
import { errorSummary, fetchShell, liveResponse, reveal, setText } from "../platform/shell";
import type { Report, ReportMessage } from "./queries";

/** Form fields whose values are put back into the form when it is shown again. */
export const formFields = ["name", "email", "phone", "subject", "message", "component", "urgency", "incident"] as const;
export type FormField = (typeof formFields)[number];

const fieldLabels: Record<string, string> = {
  incident: "We already know about",
  subject: "What is wrong?",
  urgency: "How urgent is it?",
  component: "Affected service",
  message: "Describe the problem",
  name: "Your name",
  email: "Email",
  phone: "Phone",
  turnstile: "Anti-spam check",
  website: "Leave this field empty",
};

export interface ReportFormState {
  values: Partial<Record<FormField, string>>;
  /** Per-field messages (keys: form field names, "turnstile", or "_" for the whole form). */
  errors: Record<string, string>;
  formId: string;
  components: Array<{ id: string; name: string }>;
  /** Unresolved incidents: shown first, so a reporter can say it is one of them. */
  knownIncidents?: Array<{ id: string; name: string; status: string }>;
  /** A message about the whole form (e.g. storage unavailable), shown above it. */
  alert?: SafeHtml;
  turnstileSiteKey?: string;
}

const TURNSTILE_ORIGIN = "https://challenges.cloudflare.com";

/**
 * An attribute value for HTMLRewriter's setAttribute, which escapes only the double quote:
 * a value with "&amp;" or "<" would otherwise come back changed (or, in a less careful
 * parser, be read as markup). Escaping all five characters here makes it exact and inert.
 */
function attr(value: string): string {
  return escapeHtml(value);
}

function contactsLine(): SafeHtml {
  const { phone, urgentEmail } = siteConfig.contacts;
  return html`<ul>
    ${phone ? html`<li>Phone: <a href="tel:${phone.replace(/\s+/g, "")}">${phone}</a></li>` : ""}
    ${urgentEmail ? html`<li>Email: <a href="mailto:${urgentEmail}">${urgentEmail}</a></li>` : ""}
    ${socialContacts(siteConfig.contacts).map((s) => html`<li>${s.label}: <a href="${s.href}" rel="noopener">${s.text}</a></li>`)}
  </ul>`;
}

/** The alert shown when the report could not be stored (D1 down): 503, the text kept. */
export function unavailableAlert(paged: boolean): SafeHtml {
  return html`<p><strong>We could not record this report.</strong> Our report storage is unavailable right now.
    ${paged ? "We have sent your text directly to the engineer on call, but please also contact us" : "Please contact us"}
    directly instead, and mention what you wrote (it is still in the form below):</p>${contactsLine()}`;
}

/** The alert of a rate-limited post (429): wait, or use the other contacts. */
export function rateLimitedAlert(message: string): SafeHtml {
  return html`<p><strong>${message}</strong></p>${contactsLine()}`;
}


export async function renderReportForm(env: Env, requestUrl: string, state: ReportFormState, status = 200): Promise<Response> {
  const shell = await fetchShell(env, requestUrl, "/report.html");
  const { values, errors } = state;
  let rw = new HTMLRewriter()
    .on("[data-slot=form-id]", {
      element(el) {
        el.setAttribute("value", attr(state.formId));
      },
    })
    .on("form[data-report-form] input", {
      element(el) {
        const name = el.getAttribute("name") ?? "";
        if (name === "urgency") {
          const chosen = values.urgency || "high";
          if (el.getAttribute("value") === chosen) el.setAttribute("checked", "");
          else el.removeAttribute("checked");
          return;
        }
        if ((formFields as readonly string[]).includes(name)) {
          const v = values[name as FormField];
          if (v) el.setAttribute("value", attr(v));
          if (errors[name]) el.setAttribute("aria-invalid", "true");
        }
      },
    })
    .on("textarea[name=message]", {
      element(el) {
        if (values.message) el.setInnerContent(values.message, { html: false });
        if (errors.message) el.setAttribute("aria-invalid", "true");
      },
    })
    .on("[data-slot=component-select]", {
      element(el) {
        if (errors.component) el.setAttribute("aria-invalid", "true");
        const options = state.components.map(
          (c) => html`<option value="${c.id}"${c.id === values.component ? html` selected` : ""}>${c.name}</option>`,
        );
        el.append(html`${options}`.toString(), { html: true });
      },
    });
  const known = state.knownIncidents ?? [];
  if (known.length > 0) {
    const chosen = values.incident ?? "";
    // "Something else" is chosen unless a known incident is: by default a report pages.
    const other = !known.some((i) => i.id === chosen);
    const choices = [
      ...known.map(
        (i) => html`<label class="choice"><input type="radio" name="incident" value="${i.id}"${chosen === i.id ? html` checked` : ""} />
          <span><strong>${i.name}</strong>, ${i.status} (<a href="/incidents/${encodeURIComponent(i.id)}">what we know</a>)</span></label>`,
      ),
      html`<label class="choice"><input type="radio" name="incident" value="other"${other ? html` checked` : ""} /> <span>Something else</span></label>`,
    ];
    rw = rw
      .on("[data-slot=known-incidents]", {
        element(el) {
          el.removeAttribute("hidden");
        },
      })
      .on("[data-slot=known-incident-choices]", {
        element(el) {
          el.setInnerContent(html`${choices}`.toString(), { html: true });
        },
      });
  }
  for (const [field, message] of Object.entries(errors)) {
    if (field !== "_") rw = reveal(rw, `[data-slot=error-${field}]`, message);
  }
  const alert = state.alert ?? (Object.keys(errors).length > 0 ? errorSummary(errors, { labels: fieldLabels, anchor: (f) => (f === "turnstile" ? "turnstile-error" : f) }) : null);
  if (alert) rw = reveal(rw, "[data-slot=form-alert]", alert);
  if (state.turnstileSiteKey) {
    const key = state.turnstileSiteKey;
    rw = rw.on("[data-slot=turnstile]", {
      element(el) {
        el.setInnerContent(
          html`<div class="cf-turnstile" data-sitekey="${key}" data-response-field-name="cf-turnstile-response"></div>
            <script src="${TURNSTILE_ORIGIN}/turnstile/v0/api.js" async defer></script>`.toString(),
          { html: true },
        );
      },
    });
  }
  const titles: Record<number, string> = { 503: "Not recorded", 429: "Too many requests" };
  if (status !== 200) rw = setText(rw, "title", `${titles[status] ?? "Please check the form"} · ${siteConfig.name}`);
  const res = liveResponse(rw.transform(shell), status, "no-store");
  if (state.turnstileSiteKey) {
    res.headers.set(
      "Content-Security-Policy",
      htmlContentSecurityPolicy({ scriptSrc: [TURNSTILE_ORIGIN], frameSrc: [TURNSTILE_ORIGIN], connectSrc: [TURNSTILE_ORIGIN] }),
    );
  }
  return res;
}

/** Pages whose URL holds the private token: no Referer with it to any other site. Not
 * "no-referrer": with it, browsers send `Origin: null` on the page's own form posts and the
 * Origin check would refuse the reporter's follow-up. */
function privatePage(rw: HTMLRewriter): HTMLRewriter {
  return rw.on("head", {
    element(el) {
      el.append('<meta name="referrer" content="same-origin">', { html: true });
    },
  });
}

export async function renderReceived(env: Env, requestUrl: string, reference: string, viewPath: string | null): Promise<Response> {
  const shell = await fetchShell(env, requestUrl, "/report/received.html");
  let rw = setText(new HTMLRewriter(), "[data-slot=reference]", reference);
  if (viewPath) {
    rw = rw
      .on("[data-slot=private-link-wrap]", {
        element(el) {
          el.removeAttribute("hidden");
        },
      })
      .on("[data-slot=private-link]", {
        element(el) {
          el.setAttribute("href", attr(viewPath));
        },
      });
  }
  const res = liveResponse(privatePage(rw).transform(shell), 200, "no-store");
  res.headers.set("X-Robots-Tag", "noindex");
  return res;
}

const stateLabels: Record<string, string> = { new: "New: on-call has been alerted", acknowledged: "Acknowledged: a person is on it", resolved: "Resolved" };
const authorLabels: Record<string, string> = { reporter: "You", staff: "Our team", system: "Update" };

function formatTime(iso: string): string {
  return `${iso.replace("T", " ").slice(0, 16)} UTC`;
}

export function threadMarkup(messages: ReportMessage[]): SafeHtml {
  return html`${messages.map(
    (m, i) => html`<li data-author="${m.author}"${i === messages.length - 1 ? html` id="latest"` : ""}>
      <p class="who">${m.author === "staff" && m.authorName ? m.authorName : authorLabels[m.author]} <time datetime="${m.createdAt}">${formatTime(m.createdAt)}</time></p>
      <p class="body">${m.body}</p>
    </li>`,
  )}`;
}

export interface ReporterViewState {
  report: Report;
  messages: ReportMessage[];
  formAction: string;
  errors?: Record<string, string>;
  draft?: string;
}

export async function renderReporterView(env: Env, requestUrl: string, state: ReporterViewState, status = 200): Promise<Response> {
  const shell = await fetchShell(env, requestUrl, "/report/view.html");
  const { report, messages } = state;
  let rw = setText(new HTMLRewriter(), "title", `Report ${report.reference} · ${siteConfig.name}`);
  rw = setText(rw, "[data-slot=reference]", report.reference);
  rw = setText(rw, "[data-slot=subject]", report.subject);
  rw = setText(rw, "[data-slot=created]", formatTime(report.createdAt));
  rw = rw
    .on("[data-slot=state]", {
      element(el) {
        el.setAttribute("data-state", report.state);
        el.setInnerContent(stateLabels[report.state] ?? report.state, { html: false });
      },
    })
    .on("[data-slot=thread]", {
      element(el) {
        el.setInnerContent(threadMarkup(messages).toString(), { html: true });
      },
    })
    .on("[data-slot=followup-form]", {
      element(el) {
        el.setAttribute("action", attr(state.formAction));
      },
    })
    .on("textarea[name=message]", {
      element(el) {
        if (state.draft) el.setInnerContent(state.draft, { html: false });
        if (state.errors?.message) el.setAttribute("aria-invalid", "true");
      },
    });
  if (state.errors?.message) {
    const message = state.errors.message;
    rw = rw.on("[data-slot=error-message]", {
      element(el) {
        el.removeAttribute("hidden");
        el.setInnerContent(message, { html: false });
      },
    });
  }
  const res = liveResponse(privatePage(rw).transform(shell), status, "no-store");
  res.headers.set("X-Robots-Tag", "noindex");
  return res;
}
