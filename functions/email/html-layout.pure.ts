// The text layout of an HTML mail, from the pieces html-text.ts collects while HTMLRewriter
// walks it: text runs, line breaks, list items, rules and link addresses. Pure, so that the
// whitespace rules are tested by tables.

export type TextPiece =
  | { kind: "text"; text: string }
  | { kind: "break"; count: 1 | 2 }
  | { kind: "item" }
  | { kind: "rule" }
  | { kind: "link"; href: string };

const NAMED: Record<string, string> = {
  amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0", shy: "", zwnj: "", zwj: "",
  copy: "©", reg: "®", trade: "™", euro: "€", pound: "£", yen: "¥", cent: "¢", deg: "°", sect: "§", para: "¶",
  hellip: "…", mdash: "—", ndash: "–", lsquo: "‘", rsquo: "’", ldquo: "“", rdquo: "”", sbquo: "‚", bdquo: "„",
  laquo: "«", raquo: "»", bull: "•", middot: "·", times: "×", divide: "÷", plusmn: "±", micro: "µ",
  eacute: "é", egrave: "è", ecirc: "ê", euml: "ë", aacute: "á", agrave: "à", acirc: "â", auml: "ä", aring: "å",
  oacute: "ó", ograve: "ò", ocirc: "ô", ouml: "ö", oslash: "ø", uacute: "ú", ugrave: "ù", ucirc: "û", uuml: "ü",
  iacute: "í", igrave: "ì", icirc: "î", iuml: "ï", ccedil: "ç", ntilde: "ñ", szlig: "ß", aelig: "æ",
  Eacute: "É", Egrave: "È", Auml: "Ä", Ouml: "Ö", Uuml: "Ü", Aring: "Å", Oslash: "Ø", Ccedil: "Ç", Ntilde: "Ñ", AElig: "Æ",
};

/** Decodes character references: numeric ones, and the named ones mail actually uses. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z][a-z0-9]{1,31});?/gi, (whole, ref: string) => {
    if (ref[0] === "#") {
      const code = ref[1] === "x" || ref[1] === "X" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (!Number.isFinite(code) || code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return "\ufffd";
      return String.fromCodePoint(code);
    }
    const named = NAMED[ref] ?? NAMED[ref.toLowerCase()];
    return named ?? whole;
  });
}

/** Lays the pieces out: runs of white space collapse as in a browser, blocks are separated by
 * one blank line at most, list items start with "* ", a link's address follows its text in
 * brackets unless the text already shows it. */
export function layoutText(pieces: readonly TextPiece[]): string {
  let out = "";
  let pendingBreak = 0;
  const flushBreak = () => {
    if (pendingBreak > 0 && out.length > 0) {
      out = out.replace(/[ \t]+$/, "");
      const have = /\n*$/.exec(out)![0].length;
      out += "\n".repeat(Math.max(0, pendingBreak - have));
    }
    pendingBreak = 0;
  };
  for (const p of pieces) {
    switch (p.kind) {
      case "text": {
        const t = p.text.replace(/\s+/g, " ");
        if (t.trim() === "") {
          if (t && out && !/\s$/.test(out) && pendingBreak === 0) out += " ";
          continue;
        }
        flushBreak();
        out += out === "" || /\s$/.test(out) ? t.replace(/^ /, "") : t;
        break;
      }
      case "break":
        pendingBreak = Math.max(pendingBreak, p.count);
        break;
      case "item":
        pendingBreak = Math.max(pendingBreak, 1);
        flushBreak();
        out += "* ";
        break;
      case "rule":
        pendingBreak = 2;
        flushBreak();
        out += "----------";
        pendingBreak = 2;
        break;
      case "link": {
        const tail = out.slice(-Math.max(300, p.href.length + 10));
        if (!tail.includes(p.href) && !tail.includes(p.href.replace(/^https?:\/\//i, ""))) out = `${out.replace(/ +$/, "")} [${p.href}]`;
        break;
      }
    }
  }
  return out
    .replace(/[ \t]+\n/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
