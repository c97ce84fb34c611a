// twitter-text ships no types for its per-function modules; we import parseTweet alone (about
// 21 KiB gzipped instead of 34 KiB for the whole package, measured with esbuild).
declare module "twitter-text/dist/esm/parseTweet" {
  export interface ParsedTweet {
    weightedLength: number;
    valid: boolean;
    permillage: number;
    validRangeStart: number;
    validRangeEnd: number;
    displayRangeStart: number;
    displayRangeEnd: number;
  }
  export default function parseTweet(text: string, options?: unknown): ParsedTweet;
}
