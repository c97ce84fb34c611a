// Mastodon's text rules. Statuses arrive as HTML (`content`): we read them as plain text. A
// status may have up to the instance's limit (500 by default) counted as Mastodon counts: in
// grapheme clusters, every URL as 23 characters, and a mention @user@domain as @user only
// (StatusLengthValidator in Mastodon's source).
import type { LengthRule } from "../texts.pure";

const entities: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8});/gi, (whole, name: string) => {
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X" ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return entities[name.toLowerCase()] ?? whole;
  });
}

/** A status's HTML as text: paragraphs become blank lines, <br> a line break, tags go. */
export function htmlToText(html: string): string {
  const text = html
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<\/p>\s*<p[^>]*>/gi, "\n\n")
    .replace(/<[^>]*>/g, "");
  return decodeEntities(text).trim();
}

const segmenter = new Intl.Segmenter("en", { granularity: "grapheme" });

export function graphemeCount(text: string): number {
  let n = 0;
  for (const _ of segmenter.segment(text)) n++;
  return n;
}

const URL_PATTERN = /https?:\/\/[^\s<>"]+/gi;
// Mastodon's Account::MENTION_RE: the local part counts, the domain does not.
const MENTION_PATTERN = /(?<![=/\p{L}\p{N}_])@([a-z0-9_]+)(?:@[\p{L}\p{N}_.-]+[\p{L}\p{N}_])?/giu;

export function mastodonLength(text: string): number {
  return graphemeCount(text.replace(URL_PATTERN, "x".repeat(23)).replace(MENTION_PATTERN, "@$1"));
}

export function mastodonRule(max: number): LengthRule {
  return { max, measure: mastodonLength };
}
