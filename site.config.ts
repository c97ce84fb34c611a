// The one place a hosting company makes this status site its own: name, logo, colours,
// timezone and the out-of-band contacts shown when everything else is down. Read by the Astro
// site at build time and by the Worker (error pages, mail, feeds).
export interface SiteConfig {
  /** Company or product name shown in the header, titles and feeds. */
  name: string;
  /** Short description for search engines and feeds. */
  description: string;
  /** Path of the logo under public/ (SVG recommended), or "" for a text-only header. */
  logo: string;
  /** The company's main website (linked from the header). */
  homepage: string;
  /** IANA timezone in which daily uptime bars and history months are cut. */
  timezone: string;
  colors: { brand: string; brandDark: string };
  /**
   * The static mirror of this status site on a second provider, another domain, registrar and
   * DNS provider (README "The mirror"), or "" when there is none. Named on every page, on error
   * pages and in confirmation mails; the embed falls back to it when this site cannot answer.
   */
  mirrorUrl: string;
  /** Out-of-band contacts: every one must work when the company's own servers are down. */
  contacts: {
    urgentEmail: string;
    xHandle: string;
    /** Our Mastodon account as user@instance (mentions and DMs are filed as reports), or "". */
    mastodon: string;
    /** Our Bluesky handle (mentions and chats are filed as reports), or "". */
    bluesky: string;
    phone: string;
  };
}

export const siteConfig: SiteConfig = {
  name: "Example Hosting",
  description: "Live status of Example Hosting's services, and how to reach us urgently when they are down.",
  logo: "/logo.svg",
  homepage: "https://example-hosting.test",
  timezone: "Europe/Amsterdam",
  colors: { brand: "#0b5cad", brandDark: "#6cb4ff" },
  mirrorUrl: "https://status.example.net",
  contacts: {
    urgentEmail: "urgent@status.example-hosting.test",
    xHandle: "examplehosting",
    mastodon: "examplehosting@mastodon.example",
    bluesky: "status.example-hosting.test",
    phone: "+31 20 123 4567",
  },
};

/** The social accounts customers can write to, as links (the status page, the report pages). */
export function socialContacts(c: SiteConfig["contacts"]): Array<{ label: string; href: string; text: string }> {
  const out: Array<{ label: string; href: string; text: string }> = [];
  if (c.xHandle) out.push({ label: "X (Twitter)", href: `https://x.com/${c.xHandle}`, text: `@${c.xHandle}` });
  const mastodon = /^@?([^@\s/]+)@([^@\s/]+)$/.exec(c.mastodon);
  if (mastodon) out.push({ label: "Mastodon", href: `https://${mastodon[2]}/@${mastodon[1]}`, text: `@${mastodon[1]}@${mastodon[2]}` });
  if (c.bluesky) out.push({ label: "Bluesky", href: `https://bsky.app/profile/${c.bluesky.replace(/^@/, "")}`, text: `@${c.bluesky.replace(/^@/, "")}` });
  return out;
}
