// What a person newly wrote in a mail, for the page: the quoted history ("On ... wrote:",
// "> ..." lines, Outlook's "From: ... Sent: ..." block) and the signature cut off. The thread
// keeps the whole text; only the page is trimmed, so that at 3 a.m. it shows what matters.

// Attribution lines that start quoted history, in the languages customers write in. Gmail
// wraps a long one over two lines, so each is also tried on a line joined with the next.
const ATTRIBUTION = [
  /^On .{4,200}(wrote|writes):\s*$/i,
  /^Op .{4,200}(schreef|geschreven)\s*.{0,80}:\s*$/i,
  /^Am .{4,200}schrieb .{0,80}:\s*$/i,
  /^Le .{4,200}a écrit\s*:\s*$/i,
  /^El .{4,200}escribió:\s*$/i,
  /^Il .{4,200}ha scritto:\s*$/i,
  /^\S.{0,80} (wrote|schreef|schrieb|a écrit) ?:\s*$/i,
];
const SEPARATOR = [
  /^-{2,}\s*(Original Message|Oorspronkelijk bericht|Ursprüngliche Nachricht|Message d'origine|Forwarded message|Doorgestuurd bericht)\s*-{2,}\s*$/i,
  /^_{10,}\s*$/,
];
// Outlook's quoted header block: "From:" followed within a few lines by "Sent:"/"Date:".
const OUTLOOK_FROM = /^\*?(From|Van|Von|De|Da):\*?\s/i;
const OUTLOOK_SENT = /^\*?(Sent|Date|Verzonden|Datum|Gesendet|Envoyé|Inviato):\*?\s/i;
// Signature delimiters: RFC 3676's "-- " (and the "--" that mail programs leave once trailing
// space is stripped), and the lines phones add.
const SIGNATURE = [
  /^-- ?$/,
  /^(Sent from|Verstuurd vanaf|Verzonden vanaf|Von meinem|Envoyé de|Inviato da) (my |mijn |meinem )?\S.{0,40}$/i,
  /^Get Outlook for (iOS|Android)\s*$/i,
];

export interface SplitText {
  /** What the sender newly wrote; never empty when the mail had any text. */
  fresh: string;
  /** Whether anything was cut (quoted history or a signature). */
  trimmed: boolean;
}

function isQuoteStart(lines: string[], i: number, quotedToEnd: boolean[]): boolean {
  const line = lines[i]!.trim();
  if (ATTRIBUTION.some((r) => r.test(line))) return true;
  const next = (lines[i + 1] ?? "").trim();
  if (line && next && ATTRIBUTION.slice(0, 6).some((r) => r.test(`${line} ${next}`))) return true;
  if (SEPARATOR.some((r) => r.test(line))) return true;
  if (OUTLOOK_FROM.test(line)) {
    for (let j = i + 1; j < Math.min(lines.length, i + 5); j++) if (OUTLOOK_SENT.test(lines[j]!.trim())) return true;
  }
  // From here on only quoted lines (and blank ones): the rest is quoted history.
  if (line.startsWith(">")) return quotedToEnd[i]!;
  return false;
}

export function splitFreshText(text: string): SplitText {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  // quotedToEnd[i]: every line from i on is quoted or blank.
  const quotedToEnd = new Array<boolean>(lines.length + 1);
  quotedToEnd[lines.length] = true;
  for (let i = lines.length - 1; i >= 0; i--) {
    const t = lines[i]!.trim();
    quotedToEnd[i] = quotedToEnd[i + 1]! && (t === "" || t.startsWith(">"));
  }
  let end = lines.length;
  for (let i = 0; i < lines.length; i++) {
    if (isQuoteStart(lines, i, quotedToEnd)) {
      end = i;
      break;
    }
  }
  let sig = end;
  for (let i = 0; i < end; i++) {
    if (SIGNATURE.some((r) => r.test(lines[i]!.trimEnd()))) {
      sig = i;
      break;
    }
  }
  const fresh = lines.slice(0, sig).join("\n").trim();
  const whole = text.trim();
  if (!fresh) return { fresh: whole, trimmed: false };
  return { fresh, trimmed: fresh !== whole };
}
