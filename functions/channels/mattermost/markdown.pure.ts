// Reporter text inside a Mattermost post must read as written and do nothing else. Mattermost
// renders Markdown, expands Slack's <!channel>, <!here>, <!all> and <@id> into mentions
// (app/slack.go), and notifies on @channel, @all, @here and @username: a report that says
// "@all" would otherwise wake a whole team, and "[Acknowledge](https://evil)" would put a
// phishing link in the on-call channel.

/** Characters that start Markdown syntax; each is backslash-escaped (CommonMark renders it as is). */
const MARKDOWN = /[\\`*_~[\]()#|!{}]/g;
/** List, rule and heading markers at the start of a line ("- x", "+ x", "1. x", "1) x", "---", "==="). */
const LINE_START_MARKER = /^(\s*)([-+=]|\d+[.)])/gm;
/** An @ that starts a word would mention someone; a zero-width space after it stops that. */
const MENTION = /(^|[^\p{L}\p{N}_.-])@(?=[\p{L}\p{N}_.-])/gu;

/** Slack's escaping, which Mattermost honours: no <!channel>, <@id> or <url|text> sequences survive. */
function escapeAngles(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** Mentions broken by a zero-width space: they read the same and notify nobody. */
export function withoutMentions(text: string): string {
  return text.replace(MENTION, "$1@\u200b");
}

/** Text as Mattermost Markdown that renders as written: no formatting, links, images or mentions. */
export function literalMarkdown(text: string): string {
  const escaped = escapeAngles(text)
    .replace(MARKDOWN, "\\$&")
    .replace(LINE_START_MARKER, (_m, space: string, marker: string) => `${space}${marker.replace(/[-+=.)]$/, "\\$&")}`);
  return withoutMentions(escaped);
}

/** A block quote of the text, line by line, rendered as written. */
export function quote(text: string): string {
  return literalMarkdown(text)
    .split(/\r?\n/)
    .map((line) => `> ${line}`)
    .join("\n");
}
