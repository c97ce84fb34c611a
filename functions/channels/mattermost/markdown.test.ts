// Reporter text in a Mattermost post, table-driven: it reads as written and can neither
// format, link nor mention.
import { describe, expect, it } from "vitest";
import { literalMarkdown, quote, withoutMentions } from "./markdown.pure";

const ZWSP = "\u200b";

describe("literalMarkdown", () => {
  it.each([
    ["plain words stay plain", "All sites give 502", "All sites give 502"],
    ["emphasis and code", "**bold** _it_ `x` ~~s~~", "\\*\\*bold\\*\\* \\_it\\_ \\`x\\` \\~\\~s\\~\\~"],
    ["a Markdown link", "[ack](https://evil.example)", "\\[ack\\]\\(https://evil.example\\)"],
    ["an image", "![p](https://evil.example/p.png)", "\\!\\[p\\]\\(https://evil.example/p.png\\)"],
    ["Slack-style sequences Mattermost expands", "<!channel> <@u1> <https://x|y>", `&lt;\\!channel&gt; &lt;@${ZWSP}u1&gt; &lt;https://x\\|y&gt;`],
    ["an entity stays text", "&lt;b&gt;", "&amp;lt;b&amp;gt;"],
    ["a heading", "# Down", "\\# Down"],
    ["list items and rules at line starts", "- a\n+ b\n1. c\n2) d\n---\n===", "\\- a\n\\+ b\n1\\. c\n2\\) d\n\\---\n\\==="],
    ["a dash inside a line stays", "web-12 is down - again", "web-12 is down - again"],
    ["a table row", "a | b", "a \\| b"],
    ["@channel, @all, @here", "@channel @all @here", `@${ZWSP}channel @${ZWSP}all @${ZWSP}here`],
    ["a user mention after punctuation", "(@bob) ,@eve", `\\(@${ZWSP}bob\\) ,@${ZWSP}eve`],
    ["an email address is not a mention", "write to ops@example-hosting.nl", "write to ops@example-hosting.nl"],
  ])("%s", (_name, input, expected) => {
    expect(literalMarkdown(input)).toBe(expected);
  });
});

describe("withoutMentions", () => {
  it.each([
    ["@all now", `@${ZWSP}all now`],
    ["mail bob@example.nl", "mail bob@example.nl"],
    ["a lone @ sign", "a lone @ sign"],
  ])("%s", (input, expected) => {
    expect(withoutMentions(input)).toBe(expected);
  });
});

describe("quote", () => {
  it("quotes every line, escaped", () => {
    expect(quote("line one\n> not a nested quote\r\n@all")).toBe(`> line one\n> &gt; not a nested quote\n> @${ZWSP}all`);
  });
});
