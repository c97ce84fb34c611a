// What we post. Answers repeat nothing the sender wrote (a public reply that echoed text would
// make our account a relay for whatever someone mentions us with); the public reply never
// carries the private link, which goes only in a private answer. Update threads: the first
// post of an incident's thread names it and links its page; the posts after it continue the
// thread without the link (X bills a post with a link at many times one without, and the
// thread's first post already has it). Every post fits the network's length rule, measured by
// the network's own counting (X's weighted length by twitter-text, graphemes elsewhere).
import { siteConfig } from "../../site.config";

export interface LengthRule {
  max: number;
  measure(text: string): number;
}

export interface AnswerFacts {
  reference: string;
  /** The public status page. */
  statusUrl: string;
  /** The reporter's private link (null when it cannot be made: no HASH_SALT). */
  privateUrl: string | null;
}

/** The public reply to a reporting mention; `link` false points to the link in our profile. */
export function publicReplyText(f: AnswerFacts, link: boolean): string {
  const where = link ? `Live status: ${f.statusUrl}` : "Live status: the link in our profile.";
  return `We're on it: your report ${f.reference} reached our on-call team. ${where}`;
}

/** The private answer (a DM, a direct Mastodon post, a Bluesky chat message). */
export function privateAnswerText(f: AnswerFacts): string {
  if (!f.privateUrl) return `Thanks, we received your report ${f.reference} and our on-call team is on it. Live status: ${f.statusUrl}`;
  return `Thanks, we received your report ${f.reference} and our on-call team is on it. Follow it and add details on your private page (keep the link to yourself): ${f.privateUrl}`;
}

const statusLabels: Record<string, string> = {
  investigating: "Investigating",
  identified: "Identified",
  monitoring: "Monitoring",
  resolved: "Resolved",
  postmortem: "Postmortem",
  scheduled: "Scheduled maintenance",
  in_progress: "Maintenance in progress",
  verifying: "Verifying",
  completed: "Maintenance completed",
};

export function statusLabel(status: string): string {
  return statusLabels[status] ?? status;
}

export interface UpdateFacts {
  incidentName: string;
  status: string;
  body: string;
  /** The first post of the incident's thread: named and linked. */
  first: boolean;
  /** The incident's page (only on the first post). */
  url: string;
}

/** At most this many posts for one update; the last one then ends pointing to the status page. */
export const MAX_POSTS_PER_UPDATE = 6;

/** The posts of one status update, in order, each within `rule`. */
export function updatePosts(u: UpdateFacts, rule: LengthRule): string[] {
  const head = u.first ? `${statusLabel(u.status)}: ${oneLine(u.incidentName)} (${siteConfig.name})` : `Update, ${statusLabel(u.status).toLowerCase()}:`;
  const text = `${head}\n${u.body.trim()}`;
  return splitIntoPosts(text, rule, { link: u.first ? u.url : null, maxPosts: MAX_POSTS_PER_UPDATE });
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** How the last post ends when an update needs more posts than allowed. */
export const MORE = "… (more on our status page)";

/**
 * Splits text into posts within `rule.max`, at white space where it can (a word longer than a
 * post is cut by characters), numbering them "(1/3)" when there is more than one. `link` goes
 * at the end of the first post only. Beyond `maxPosts` the last post ends with MORE.
 */
export function splitIntoPosts(text: string, rule: LengthRule, opts: { link: string | null; maxPosts: number }): string[] {
  const linkTail = opts.link ? `\n${opts.link}` : "";
  if (rule.measure(text + linkTail) <= rule.max) return [text + linkTail];
  // Room for the longest numbering we may write on every post.
  const numbering = ` (${opts.maxPosts}/${opts.maxPosts})`;
  const fits = (body: string, index: number, tail = "") => rule.measure(body + (index === 0 ? linkTail : "") + tail + numbering) <= rule.max;
  const parts: string[] = [];
  let current = "";
  for (const token of text.split(/(\s+)/).filter((t) => t !== "")) {
    if (fits((current + token).trim(), parts.length)) {
      current += token;
      continue;
    }
    if (/^\s+$/.test(token)) continue; // the break between two posts
    if (current.trim() !== "") parts.push(current.trim());
    current = "";
    let word = token;
    while (!fits(word, parts.length)) {
      const chars = [...word];
      let n = chars.length - 1;
      while (n > 1 && !fits(chars.slice(0, n).join(""), parts.length)) n--;
      parts.push(chars.slice(0, n).join(""));
      word = chars.slice(n).join("");
    }
    current = word;
  }
  if (current.trim() !== "") parts.push(current.trim());
  let posts = parts;
  if (parts.length > opts.maxPosts) {
    posts = parts.slice(0, opts.maxPosts);
    const i = posts.length - 1;
    let last = posts[i]!;
    while (last !== "" && !fits(last, i, MORE)) last = last.replace(/\s*\S+$/, "");
    posts[i] = `${last}${MORE}`;
  }
  return posts.map((p, i) => `${p}${i === 0 ? linkTail : ""} (${i + 1}/${posts.length})`);
}

export interface StaffReplyFacts {
  body: string;
  staffName: string | null;
  reference: string;
  /** The reporter's private link: only ever in a private message. */
  privateLink: string | null;
}

/** A staff reply may run long (it is a mail's worth): this many posts or messages at most. */
export const MAX_STAFF_REPLY_PARTS = 20;

/** Anything in a reply that looks like a reporter's private link ("/r/R-…?k=…"). */
const PRIVATE_LINK = /\S*\/r\/[A-Za-z0-9-]+\?k=\S*/g;

/**
 * A staff reply as private messages (the reply, who wrote it, then the private link) or, where
 * the reporter takes no private messages, as public replies: the same words with the reference
 * and never the private link, not even one staff pasted into the reply.
 */
export function staffReplyTexts(f: StaffReplyFacts, rule: LengthRule, how: "private" | "public"): string[] {
  const signature = `-- ${f.staffName ? `${f.staffName}, ` : ""}${siteConfig.name}`;
  if (how === "private") {
    const tail = f.privateLink ? `Your report ${f.reference} and the whole thread: ${f.privateLink}` : `Reference ${f.reference}`;
    return splitIntoPosts(`${f.body.trim()}\n${signature}`, rule, { link: tail, maxPosts: MAX_STAFF_REPLY_PARTS });
  }
  const body = f.body.replace(PRIVATE_LINK, "(link sent privately)").trim();
  return splitIntoPosts(`${body}\n${signature} (${f.reference})`, rule, { link: null, maxPosts: MAX_STAFF_REPLY_PARTS });
}
