// /badge.svg: the overall status as a small badge for READMEs and intranets. Plain SVG with
// presentation attributes only (no <style>, no script), an accessible title and role.
import type { Indicator } from "../../contract/status";
import { escapeHtml } from "../platform/html";

const colors: Record<Indicator | "unknown", string> = {
  unknown: "#57606a",
  none: "#1a7f37",
  minor: "#9a6700",
  major: "#c2410c",
  critical: "#b42318",
  maintenance: "#0a58ca",
};

/** Approximate width of text at 11 px in a sans-serif font (no font metrics in a Worker). */
function textWidth(text: string): number {
  return Math.round(text.length * 6.6 + 12);
}

export function badgeSvg(label: string, indicator: Indicator | "unknown", description: string): string {
  const left = textWidth(label);
  const right = textWidth(description);
  const width = left + right;
  const title = escapeHtml(`${label}: ${description}`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" role="img" aria-label="${title}" viewBox="0 0 ${width} 20">
<title>${title}</title>
<rect width="${left}" height="20" rx="3" fill="#3d4450"/>
<rect x="${left}" width="${right}" height="20" rx="3" fill="${colors[indicator]}"/>
<rect x="${left}" width="4" height="20" fill="${colors[indicator]}"/>
<g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11" text-anchor="middle">
<text x="${left / 2}" y="14">${escapeHtml(label)}</text>
<text x="${left + right / 2}" y="14">${escapeHtml(description)}</text>
</g>
</svg>
`;
}
