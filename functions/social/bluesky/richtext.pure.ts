// Bluesky's text rules: a post has at most 300 graphemes, and a link is only a link when a
// facet says so, with its position in UTF-8 bytes (not UTF-16 code units, not characters).
import type { LengthRule } from "../texts.pure";

export const BLUESKY_MAX_GRAPHEMES = 300;

const segmenter = new Intl.Segmenter("en", { granularity: "grapheme" });

export function graphemeLength(text: string): number {
  let n = 0;
  for (const _ of segmenter.segment(text)) n++;
  return n;
}

export const blueskyLength: LengthRule = { max: BLUESKY_MAX_GRAPHEMES, measure: graphemeLength };

export interface LinkFacet {
  index: { byteStart: number; byteEnd: number };
  features: Array<{ $type: "app.bsky.richtext.facet#link"; uri: string }>;
}

const encoder = new TextEncoder();
// A URL runs to white space; punctuation that ends a sentence is not part of it.
const URL_PATTERN = /https?:\/\/[^\s<>"]+/g;

/** A link facet for every http(s) URL in the text, positioned in UTF-8 bytes. */
export function linkFacets(text: string): LinkFacet[] {
  const facets: LinkFacet[] = [];
  for (const match of text.matchAll(URL_PATTERN)) {
    const uri = match[0].replace(/[.,;:!?)\]'"]+$/, "");
    const start = encoder.encode(text.slice(0, match.index)).length;
    facets.push({ index: { byteStart: start, byteEnd: start + encoder.encode(uri).length }, features: [{ $type: "app.bsky.richtext.facet#link", uri }] });
  }
  return facets;
}

/** https://bsky.app/profile/{handle}/post/{rkey} for an at:// post uri. */
export function postWebUrl(handle: string, uri: string): string | null {
  const rkey = /^at:\/\/[^/]+\/app\.bsky\.feed\.post\/([A-Za-z0-9._~:-]+)$/.exec(uri)?.[1];
  return rkey ? `https://bsky.app/profile/${handle}/post/${rkey}` : null;
}
