// Atom 1.0 and RSS 2.0 of incidents and maintenance with their updates. Ids are the
// permanent page addresses (stable: they never change once published); an entry's updated
// time is its last update's.
import { siteConfig } from "../../site.config";
import { incidentStatusLabel } from "../../contract/status";
import { escapeHtml } from "../platform/html";
import { formatUtc } from "./format.pure";
import type { Incident } from "./model.pure";
import { incidentHref } from "./render";

/** Anything outside XML 1.0's Char production (C0 controls but tab and newlines, lone
 * surrogates, U+FFFE, U+FFFF) makes a whole feed unreadable. Staff text is normalised when it
 * is written; this also covers rows stored before that, and anything added later. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

/** Text for an XML feed: what XML forbids dropped, then escaped. */
export function xml(text: string): string {
  return escapeHtml(text.replace(NOT_XML_CHAR, ""));
}

/** The updates of an incident as HTML (then escaped into the feed), newest first. */
function entryHtml(i: Incident): string {
  return i.updates
    .map(
      (u) =>
        `<p><small>${xml(formatUtc(u.displayAt))}</small><br><strong>${xml(incidentStatusLabel[u.status])}</strong> - ${xml(u.body).replaceAll("\n", "<br>")}</p>`,
    )
    .join("");
}

function feedUpdated(items: readonly Incident[]): string {
  return items.reduce((max, i) => (i.updatedAt > max ? i.updatedAt : max), new Date(0).toISOString());
}

export function atomFeed(items: readonly Incident[], publicUrl: string): string {
  const entries = items.map((i) => {
    const link = `${publicUrl}${incidentHref(i)}`;
    return `<entry>
<id>${xml(link)}</id>
<title>${xml(i.name)}</title>
<link rel="alternate" type="text/html" href="${xml(link)}"/>
<published>${i.createdAt}</published>
<updated>${i.updatedAt}</updated>
<content type="html">${xml(entryHtml(i))}</content>
</entry>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
<id>${xml(publicUrl)}/history</id>
<title>${xml(siteConfig.name)} status history</title>
<subtitle>${xml(siteConfig.description)}</subtitle>
<link rel="alternate" type="text/html" href="${xml(publicUrl)}/history"/>
<link rel="self" type="application/atom+xml" href="${xml(publicUrl)}/history.atom"/>
<author><name>${xml(siteConfig.name)}</name></author>
<updated>${feedUpdated(items)}</updated>
${entries.join("\n")}
</feed>
`;
}

export function rssFeed(items: readonly Incident[], publicUrl: string): string {
  const entries = items.map((i) => {
    const link = `${publicUrl}${incidentHref(i)}`;
    return `<item>
<title>${xml(i.name)}</title>
<link>${xml(link)}</link>
<guid isPermaLink="true">${xml(link)}</guid>
<pubDate>${new Date(i.createdAt).toUTCString()}</pubDate>
<description>${xml(entryHtml(i))}</description>
</item>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>${xml(siteConfig.name)} status history</title>
<link>${xml(publicUrl)}/history</link>
<description>${xml(siteConfig.description)}</description>
<language>en</language>
<atom:link href="${xml(publicUrl)}/history.rss" rel="self" type="application/rss+xml"/>
<lastBuildDate>${new Date(feedUpdated(items)).toUTCString()}</lastBuildDate>
${entries.join("\n")}
</channel>
</rss>
`;
}
