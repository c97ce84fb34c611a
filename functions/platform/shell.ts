// Static shell + live data: pages are built by Astro into dist/, then the Worker fetches the
// shell from ASSETS and fills the live parts with HTMLRewriter, so every page is current
// without JavaScript and the look stays in one place (the Astro site).
import { siteConfig } from "../../site.config";
import { escapeHtml, html, type SafeHtml } from "./html";

/** Fetches a built page from ASSETS. A fresh request: forwarding the browser's conditional
 * headers would make ASSETS answer 304 and the browser would keep a stale live page. */
export async function fetchShell(env: Env, requestUrl: string, path: string): Promise<Response> {
  const url = new URL(path, requestUrl);
  const res = await env.ASSETS.fetch(new Request(url.toString(), { method: "GET" }));
  if (!res.ok) throw new Error(`The page shell ${path} is missing from the site build (status ${res.status}).`);
  return withMirrorAddress(res, env.MIRROR_URL);
}

/**
 * The shells name the mirror of site.config.ts (built in); a deployment whose MIRROR_URL says
 * otherwise (the local stand-in of `npm start`) names that one on every page the Worker serves.
 */
function withMirrorAddress(shell: Response, configured: string | undefined): Response {
  const url = (configured ?? "").replace(/\/+$/, "");
  if (!url || url === siteConfig.mirrorUrl) return shell;
  return new HTMLRewriter()
    .on("[data-slot=contact-mirror] a", {
      element(el) {
        // setAttribute escapes only the quote: escape the rest first.
        el.setAttribute("href", escapeHtml(`${url}/`));
        el.setInnerContent(new URL(url).host);
      },
    })
    .transform(shell);
}

/** Returns the filled page as a fresh response: status and caching are the caller's. */
export function liveResponse(filled: Response, status = 200, cacheControl = "no-cache"): Response {
  const headers = new Headers(filled.headers);
  // The shell's ETag describes the shell, not the live page.
  headers.delete("etag");
  headers.delete("last-modified");
  // The security middleware sets the page's policy (a route may widen it, e.g. for Turnstile).
  headers.delete("content-security-policy");
  headers.set("cache-control", cacheControl);
  headers.set("content-type", "text/html; charset=utf-8");
  return new Response(filled.body, { status, headers });
}

/** Sets the text of every element matching `selector` (escaped: never HTML). */
export function setText(rewriter: HTMLRewriter, selector: string, text: string): HTMLRewriter {
  return rewriter.on(selector, {
    element(el) {
      el.setInnerContent(text, { html: false });
    },
  });
}

/** Unhides the element matching `selector` and fills it: with text (escaped), or with markup
 * built by html`` (whose values are escaped already). */
export function reveal(rewriter: HTMLRewriter, selector: string, content: string | SafeHtml): HTMLRewriter {
  return rewriter.on(selector, {
    element(el) {
      el.removeAttribute("hidden");
      if (typeof content === "string") el.setInnerContent(content, { html: false });
      else el.setInnerContent(content.toString(), { html: true });
    },
  });
}

/**
 * A form's error summary, as the GOV.UK pattern has it: what to do, then one link per field to
 * its input, in the order of the form. `errors._` is a message for the whole form.
 */
export function errorSummary(errors: Record<string, string>, form: { labels: Record<string, string>; anchor?: (field: string) => string }): SafeHtml {
  const order = Object.keys(form.labels);
  const rank = (field: string) => (order.includes(field) ? order.indexOf(field) : order.length);
  const entries = Object.entries(errors)
    .filter(([k]) => k !== "_")
    .sort(([a], [b]) => rank(a) - rank(b));
  const items = entries.map(([field, message]) => html`<li><a href="#${form.anchor?.(field) ?? field}">${form.labels[field] ?? field}: ${message}</a></li>`);
  return html`<p><strong>${errors._ ?? (entries.length === 1 ? "Please correct one field:" : `Please correct ${entries.length} fields:`)}</strong></p>
    ${items.length > 0 ? html`<ul>${items}</ul>` : ""}`;
}
