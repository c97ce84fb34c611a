// X's length rule: 280 by X's weighted count, as twitter-text computes it (most scripts count
// 1, CJK and emoji 2, every URL 23 whatever its length, text normalised to NFC first). Counting
// by hand gets exactly these cases wrong, so the library that X publishes counts for us.
import parseTweet from "twitter-text/dist/esm/parseTweet";
import type { LengthRule } from "../texts.pure";

export const X_MAX_WEIGHTED_LENGTH = 280;

export function xWeightedLength(text: string): number {
  return parseTweet(text).weightedLength;
}

export const xLength: LengthRule = { max: X_MAX_WEIGHTED_LENGTH, measure: xWeightedLength };
