// HTML-only mail to plain text, with the Workers runtime's own HTML parser (HTMLRewriter,
// Cloudflare's lol-html): a spec-following tokenizer that copes with broken markup, at no cost
// to the bundle (html-to-text would add 73 KiB gzipped, htmlparser2 alone 56 KiB; see
// docs/architecture.md). Scripts, styles and the head are dropped; images (tracking pixels)
// become nothing or their alt text; links keep their address when it is not the text itself.
// (HTMLRewriter hands text over raw, entities included: html-layout.pure.ts decodes them.)
import { decodeEntities, layoutText, type TextPiece } from "./html-layout.pure";

const BLOCK = "p, div, section, article, header, footer, main, aside, nav, table, tr, ul, ol, dl, blockquote, pre, h1, h2, h3, h4, h5, h6, form, fieldset, address, center, hr";
// Only elements whose content the tokenizer ends at their own end tag: an unclosed <head> or
// <svg> (common in broken mail) must not swallow the rest of the text.
const HIDDEN = "script, style, title";

/** At most this much HTML is converted; the whole mail stays in R2. */
export const MAX_HTML_CHARS = 2_000_000;

/** Calls `fn` at the element's end tag; elements that cannot have one (void elements) never do. */
function atEnd(el: Element, fn: () => void): boolean {
  if (VOID.has(el.tagName)) return false;
  try {
    el.onEndTag(fn);
    return true;
  } catch {
    return false;
  }
}

const VOID = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]);

export async function htmlToText(html: string): Promise<string> {
  const pieces: TextPiece[] = [];
  let hidden = 0;
  const links: string[] = [];
  const rewriter = new HTMLRewriter()
    .on(HIDDEN, {
      element(el) {
        hidden++;
        if (!atEnd(el, () => void hidden--)) hidden--;
      },
    })
    .on(BLOCK, {
      element(el) {
        if (hidden) return;
        pieces.push({ kind: el.tagName === "hr" ? "rule" : "break", count: 2 });
        atEnd(el, () => void pieces.push({ kind: "break", count: 2 }));
      },
    })
    .on("br", { element: () => void (hidden || pieces.push({ kind: "break", count: 1 })) })
    .on("td, th", { element: () => void (hidden || pieces.push({ kind: "text", text: " " })) })
    .on("li", { element: () => void (hidden || pieces.push({ kind: "item" })) })
    .on("img", {
      element(el) {
        const alt = el.getAttribute("alt")?.trim();
        if (!hidden && alt) pieces.push({ kind: "text", text: ` ${alt} ` });
      },
    })
    .on("a", {
      element(el) {
        if (hidden) return;
        const href = el.getAttribute("href")?.trim() ?? "";
        links.push(href);
        atEnd(el, () => {
          const h = links.pop() ?? "";
          if (/^https?:\/\//i.test(h) && h.length <= 300) pieces.push({ kind: "link", href: h });
        });
      },
    })
    .onDocument({
      text(t) {
        if (!hidden && t.text) pieces.push({ kind: "text", text: decodeEntities(t.text) });
      },
    });
  await rewriter.transform(new Response(html.slice(0, MAX_HTML_CHARS), { headers: { "content-type": "text/html; charset=utf-8" } })).arrayBuffer();
  return layoutText(pieces);
}
