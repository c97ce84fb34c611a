// The subscribe pages: static shells from the Astro build (src/pages/subscribe*.astro) filled
// with HTMLRewriter. Every value people typed goes back as text or as an escaped attribute.
import { siteConfig } from "../../site.config";
import { escapeHtml, html, type SafeHtml } from "../platform/html";
import { errorSummary, fetchShell, liveResponse, reveal, setText } from "../platform/shell";

export interface ComponentChoice {
  id: string;
  name: string;
}

export type SubscribeForm = "email" | "hook";

export interface SubscribePageState {
  components: ComponentChoice[];
  /** Which form was posted (its values and errors go back into it). */
  form: SubscribeForm | null;
  values: { email?: string; url?: string; channel?: string; components?: string[] };
  /** Per-field messages: email, url, channel, components, website, or "_" for the form. */
  errors: Record<string, string>;
  notice?: SafeHtml;
  alert?: SafeHtml;
}

const fieldLabels: Record<string, string> = {
  email: "Your email address",
  channel: "Where to",
  url: "Webhook URL",
  components: "Components",
  website: "Leave this field empty",
};


function checkboxes(components: readonly ComponentChoice[], chosen: readonly string[]): string {
  return html`${components.map(
    (c) => html`<label class="choice"><input type="checkbox" name="component" value="${c.id}"${chosen.includes(c.id) ? html` checked` : ""} /> <span>${c.name}</span></label>`,
  )}`.toString();
}

export async function renderSubscribePage(env: Env, requestUrl: string, state: SubscribePageState, status = 200): Promise<Response> {
  const shell = await fetchShell(env, requestUrl, "/subscribe.html");
  const { errors, values } = state;
  let rw = new HTMLRewriter();
  for (const form of ["email", "hook"] as const) {
    const posted = state.form === form;
    rw = rw.on(`[data-slot=components-${form}]`, {
      element(el) {
        if (state.components.length === 0) {
          el.remove();
          return;
        }
        el.append(checkboxes(state.components, posted ? (values.components ?? []) : []), { html: true });
      },
    });
    if (posted && errors.components) {
      rw = rw.on(`[data-slot=error-components-${form}]`, {
        element(el) {
          el.removeAttribute("hidden");
          el.setInnerContent(errors.components!, { html: false });
        },
      });
    }
  }
  if (state.form === "email" && values.email) {
    const email = values.email;
    rw = rw.on("input[name=email]", {
      element(el) {
        el.setAttribute("value", escapeHtml(email));
      },
    });
  }
  if (state.form === "hook") {
    const url = values.url;
    const channel = values.channel;
    rw = rw.on("form[data-subscribe-form=hook] input", {
      element(el) {
        const name = el.getAttribute("name");
        if (name === "url" && url) el.setAttribute("value", escapeHtml(url));
        if (name === "channel" && channel) {
          if (el.getAttribute("value") === channel) el.setAttribute("checked", "");
          else el.removeAttribute("checked");
        }
      },
    });
  }
  for (const field of ["email", "url", "channel"]) {
    const message = errors[field];
    if (!message) continue;
    rw = reveal(rw, `[data-slot=error-${field}]`, message).on(`input[name=${field}]`, {
        element(el) {
          el.setAttribute("aria-invalid", "true");
        },
      });
  }
  const alert = state.alert ?? (Object.keys(errors).length > 0 ? errorSummary(errors, { labels: fieldLabels, anchor: (f) => (f === "components" ? "main" : f) }) : null);
  if (alert) rw = reveal(rw, "[data-slot=form-alert]", alert);
  if (state.notice) rw = reveal(rw, "[data-slot=form-notice]", state.notice);
  const titles: Record<number, string> = { 400: "Please check the form", 429: "Too many requests", 503: "Not available right now" };
  if (titles[status]) rw = setText(rw, "title", `${titles[status]} · ${siteConfig.name}`);
  return liveResponse(rw.transform(shell), status, "no-store");
}

export interface ManagePageState {
  title: string;
  lead: string;
  /** The button that POSTs to this same address, when there is something to do. */
  button?: string;
}

/** The page behind a confirmation or unsubscribe link. Its URL is a credential: no Referer. */
export async function renderManagePage(env: Env, requestUrl: string, state: ManagePageState, status = 200): Promise<Response> {
  const shell = await fetchShell(env, requestUrl, "/subscribe/manage.html");
  let rw = setText(setText(new HTMLRewriter(), "[data-slot=manage-title]", state.title), "[data-slot=manage-lead]", state.lead);
  rw = setText(rw, "title", `${state.title} · ${siteConfig.name}`);
  if (state.button) {
    rw = setText(rw, "[data-slot=manage-button]", state.button).on("[data-slot=manage-form]", {
      element(el) {
        el.removeAttribute("hidden");
      },
    });
  }
  // same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on the page's
  // own form post (see reports/pages.ts).
  rw = rw.on("head", {
    element(el) {
      el.append('<meta name="referrer" content="same-origin">', { html: true });
    },
  });
  const res = liveResponse(rw.transform(shell), status, "no-store");
  res.headers.set("Referrer-Policy", "same-origin");
  return res;
}
