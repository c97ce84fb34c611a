// Which report a reply belongs to. Two ways, and only these:
//   - its In-Reply-To or References name a Message-ID of a mail we sent about a report (only
//     someone who received that mail knows it);
//   - its subject carries a report's reference AND it comes from that report's reporter.
// A reference alone is public (people read it out on the phone): a stranger naming it files a
// new report, never a message in someone else's thread.

const MESSAGE_ID = /<[^<>\s]{1,250}>/g;

/** Message-IDs named by In-Reply-To and References, most recent first, at most 50. */
export function referencedMessageIds(inReplyTo: string | null, references: string | null): string[] {
  const ids: string[] = [];
  for (const source of [inReplyTo ?? "", [...((references ?? "").match(MESSAGE_ID) ?? [])].reverse().join(" ")]) {
    for (const id of source.match(MESSAGE_ID) ?? []) if (!ids.includes(id)) ids.push(id);
  }
  return ids.slice(0, 50);
}

// "R-7K3M9Q2X" in a subject, as intake makes them (Crockford base32, any case).
const REFERENCE = /\bR-[0-9A-HJKMNP-TV-Z]{8}\b/gi;

/** References in a subject ("Re: [R-7K3M9Q2X] We received ..."), upper-cased, at most 5. */
export function referencesInSubject(subject: string): string[] {
  return [...new Set((subject.match(REFERENCE) ?? []).map((r) => r.toUpperCase()))].slice(0, 5);
}

/** A subject without its reply and forward prefixes (Re:, Fwd:, AW:, SV:, Antw: ...). */
export function stripReplyPrefixes(subject: string): string {
  let s = subject.trim();
  for (let i = 0; i < 10; i++) {
    const next = s.replace(/^(re|fwd?|aw|wg|sv|vs|antw|tr|rif|r|odp|vá)\s*(\[\d+\])?\s*:\s*/i, "");
    if (next === s) break;
    s = next;
  }
  return s;
}
