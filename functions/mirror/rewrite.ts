// What makes a live page a mirror page, applied by HTMLRewriter to every page the mirror
// renders through the live routes (and to the shells it takes from ASSETS): the discreet
// "mirror, synced at" line in the layout's slot, a Content-Security-Policy the static host
// cannot send as a header, a canonical link back to the live page, no report form (it needs the
// Worker), history links a static host can follow, and the markers a break-glass post fills.
import { escapeHtml, html } from "../platform/html";
import { htmlContentSecurityPolicy } from "../platform/security-headers";
import { markers, type MarkerName } from "./break-glass.pure";
import { INCIDENT_TEMPLATE_PATH, INDEX_PATH, livePathOf, mirrorPathOf, NOT_FOUND_PATH } from "./paths.pure";

export interface MirrorPageContext {
  liveUrl: string;
  /** The page's mirror path. */
  path: string;
  /** Stands for the sync time until the page's hash is taken (then it is replaced). */
  syncedMark: string;
}

/** The live policy, as a <meta>: frame-ancestors is not allowed there (browsers warn and ignore it). */
export function mirrorContentSecurityPolicy(): string {
  return htmlContentSecurityPolicy()
    .split("; ")
    .filter((d) => !d.startsWith("frame-ancestors"))
    .join("; ");
}

function wrapInner(rewriter: HTMLRewriter, selector: string, name: MarkerName): HTMLRewriter {
  const [open, close] = markers(name);
  return rewriter.on(selector, {
    element(el) {
      el.prepend(open, { html: true });
      el.append(close, { html: true });
    },
  });
}

export function mirrorRewriter(ctx: MirrorPageContext): HTMLRewriter {
  const live = new URL(ctx.liveUrl);
  const isTemplate = ctx.path === INCIDENT_TEMPLATE_PATH;
  const canonical = ctx.path === NOT_FOUND_PATH || isTemplate ? "" : html`<link rel="canonical" href="${ctx.liveUrl}${livePathOf(ctx.path)}">`.toString();
  let rewriter = new HTMLRewriter()
    .on("meta[charset]", {
      element(el) {
        el.after(`<meta http-equiv="Content-Security-Policy" content="${escapeHtml(mirrorContentSecurityPolicy())}">${canonical}`, { html: true });
      },
    })
    .on("[data-slot=mirror-note]", {
      element(el) {
        el.setInnerContent(
          html`This is a copy of <a href="${ctx.liveUrl}/">${live.host}</a> on another provider, kept for when it cannot be reached. Synced ${ctx.syncedMark}.`.toString(),
          { html: true },
        );
        el.removeAttribute("hidden");
      },
    })
    .on("[data-slot=nav-report]", {
      element(el) {
        // The form needs the Worker; the contacts on this page do not.
        el.setAttribute("href", "#contacts-title");
      },
    })
    .on("[data-slot=contact-form], [data-slot=contact-mirror], [data-slot=request-id-line]", {
      element(el) {
        el.remove();
      },
    })
    .on("a[href]", {
      element(el) {
        const href = el.getAttribute("href") ?? "";
        if (!href.startsWith("/") || !href.includes("?")) return;
        const path = mirrorPathOf(href);
        if (path) el.setAttribute("href", path);
      },
    });
  if (ctx.path === INDEX_PATH) {
    const [open, close] = markers("urgent");
    rewriter = rewriter.on("[data-slot=overall]", {
      element(el) {
        el.before(`${open}${close}`, { html: true });
      },
    });
    rewriter = wrapInner(rewriter, "[data-slot=overall-status]", "overall-status");
  }
  if (isTemplate) {
    rewriter = rewriter.on("[data-slot=live-unavailable]", {
      element(el) {
        el.remove();
      },
    });
    rewriter = wrapInner(rewriter, "[data-slot=title]", "title");
    rewriter = wrapInner(rewriter, "[data-slot=detail]", "detail");
    rewriter = wrapInner(rewriter, "[data-slot=updated]", "updated");
  }
  return rewriter;
}
