// X's four shapes of the same mention or DM (polling v2, Account Activity API, X Activity API),
// turned into the same InboundMessage. Payloads follow X's documented examples.
import { describe, expect, it } from "vitest";
import { fromV2DmEvent, fromV2Post, parseWebhook, postText, usersById } from "./payload.pure";

const SELF = "1111111111111111111";
const now = new Date("2026-07-24T21:30:00.000Z");
const other = { id: "2222222222222222222", username: "OtherUser", name: "Other User" };

const mentionPost = {
  id: "2080765813578191303",
  text: "hey @ExampleUser all my sites are down",
  author_id: other.id,
  created_at: "2026-07-24T21:23:23.000Z",
  conversation_id: "2080765813578191303",
  edit_history_tweet_ids: ["2080765813578191303"],
};

const expected = {
  id: "2080765813578191303",
  kind: "mention",
  authorId: other.id,
  authorHandle: "OtherUser",
  authorName: "Other User",
  text: "hey @ExampleUser all my sites are down",
  createdAt: "2026-07-24T21:23:23.000Z",
  conversationId: "2080765813578191303",
  inReplyToId: null,
  isRepost: false,
  fromSelf: false,
  url: "https://x.com/OtherUser/status/2080765813578191303",
  replyRef: null,
};

describe("a post's text as X sends it", () => {
  it("&, < and > arrive as entities and are decoded once, in every shape", () => {
    const raw = "@ExampleUser mail &amp; DNS down, error &lt;550&gt; since 3 &gt; 2 &amp;lt; literal";
    const decoded = "@ExampleUser mail & DNS down, error <550> since 3 > 2 &lt; literal";
    expect(postText(raw)).toBe(decoded);
    expect(fromV2Post({ ...mentionPost, text: raw }, usersById([other]), SELF, now).text).toBe(decoded);
  });
});

describe("polling shapes", () => {
  it("a v2 mention with its author expanded", () => {
    expect(fromV2Post(mentionPost, usersById([other]), SELF, now)).toEqual(expected);
  });

  it.each([
    { name: "a reply", refs: [{ type: "replied_to", id: "2080000000000000001" }], inReplyToId: "2080000000000000001", isRepost: false },
    { name: "a repost", refs: [{ type: "retweeted", id: "2080000000000000002" }], inReplyToId: null, isRepost: true },
    { name: "a quote", refs: [{ type: "quoted", id: "2080000000000000003" }], inReplyToId: null, isRepost: false },
  ])("$name", ({ refs, inReplyToId, isRepost }) => {
    const m = fromV2Post({ ...mentionPost, referenced_tweets: refs }, usersById([other]), SELF, now);
    expect({ inReplyToId: m.inReplyToId, isRepost: m.isRepost }).toEqual({ inReplyToId, isRepost });
  });

  it("an author not expanded is named by id; our own post is ours", () => {
    const m = fromV2Post({ ...mentionPost, author_id: SELF }, new Map(), SELF, now);
    expect({ handle: m.authorHandle, fromSelf: m.fromSelf }).toEqual({ handle: SELF, fromSelf: true });
  });

  it("a v2 DM event is a direct message; other DM events are not messages", () => {
    const event = { id: "1580000000000000001", event_type: "MessageCreate", text: "hi, VPS down", sender_id: other.id, dm_conversation_id: `${SELF}-${other.id}`, created_at: "2026-07-24T21:00:00.000Z" };
    expect(fromV2DmEvent(event, usersById([other]), SELF, now)).toMatchObject({ id: event.id, kind: "direct", authorHandle: "OtherUser", text: "hi, VPS down", conversationId: event.dm_conversation_id, fromSelf: false, url: null });
    expect(fromV2DmEvent({ ...event, event_type: "ParticipantsJoin" }, new Map(), SELF, now)).toBeNull();
  });
});

describe("webhook shapes", () => {
  it("X Activity API post.mention.create", () => {
    const body = { data: { event_uuid: "2080765813578191303", filter: { user_id: SELF }, event_type: "post.mention.create", tag: "mentions", payload: mentionPost, includes: { users: [other] } } };
    expect(parseWebhook(body, SELF, now)).toEqual({ messages: [expected], malformed: 0, ignored: 0, events: ["post.mention.create"] });
  });

  it("X Activity API dm.received, users given as { id: { data } }", () => {
    const body = {
      data: {
        event_uuid: "-6850472171600526495",
        filter: { user_id: SELF },
        event_type: "dm.received",
        payload: {
          direct_message_events: [
            { type: "message_create", id: "2080765901528535096", created_timestamp: "1784928224372", message_create: { target: { recipient_id: SELF }, sender_id: other.id, message_data: { text: "hello!" } } },
          ],
          users: { [other.id]: { data: other } },
        },
      },
    };
    const parsed = parseWebhook(body, SELF, now);
    expect(parsed.messages).toEqual([
      expect.objectContaining({ id: "2080765901528535096", kind: "direct", authorId: other.id, authorHandle: "OtherUser", text: "hello!", createdAt: new Date(1784928224372).toISOString() }),
    ]);
  });

  it("Account Activity API: tweets and DMs for the subscribed user, reposts marked, our own marked", () => {
    const body = {
      for_user_id: SELF,
      tweet_create_events: [
        { id_str: "2080765813578191303", text: "hey @ExampleUser down?", created_at: "Fri Jul 24 21:23:23 +0000 2026", user: { id_str: other.id, screen_name: "OtherUser", name: "Other User" }, in_reply_to_status_id_str: null },
        { id_str: "2080765813578191304", text: "RT @x: down", timestamp_ms: "1784928203000", user: { id_str: other.id, screen_name: "OtherUser" }, retweeted_status: { id_str: "1" } },
        { id_str: "2080765813578191305", text: "We are on it", timestamp_ms: "1784928203000", user: { id_str: SELF, screen_name: "ExampleUser" } },
      ],
      direct_message_events: [{ type: "message_create", id: "2080763914820927863", created_timestamp: "1784927750704", message_create: { target: { recipient_id: SELF }, sender_id: other.id, message_data: { text: "my mail is down" } } }],
      users: { [other.id]: { id: other.id, name: "Other User", screen_name: "OtherUser" } },
    };
    const parsed = parseWebhook(body, SELF, now);
    expect(parsed.messages.map((m) => [m.id, m.kind, m.isRepost, m.fromSelf, m.authorHandle])).toEqual([
      ["2080765813578191303", "mention", false, false, "OtherUser"],
      ["2080765813578191304", "mention", true, false, "OtherUser"],
      ["2080765813578191305", "mention", false, true, "ExampleUser"],
      ["2080763914820927863", "direct", false, false, "OtherUser"],
    ]);
    expect(parsed.messages[0]!.createdAt).toBe("2026-07-24T21:23:23.000Z");
  });

  it.each([
    { name: "another account's delivery", body: { for_user_id: "999", tweet_create_events: [{}] }, result: { messages: [], malformed: 0, ignored: 1 } },
    { name: "an event we do not act on", body: { data: { event_type: "like.create", payload: {} } }, result: { messages: [], malformed: 0, ignored: 1 } },
    { name: "a mention event without a post", body: { data: { event_type: "post.mention.create", payload: { id: "nope" } } }, result: { messages: [], malformed: 1, ignored: 0 } },
    { name: "not an object", body: "hello", result: { messages: [], malformed: 1, ignored: 0 } },
    { name: "a tweet with an injected id", body: { for_user_id: SELF, tweet_create_events: [{ id_str: "1 OR 1=1", user: { id_str: "2", screen_name: "a" } }] }, result: { messages: [], malformed: 1, ignored: 0 } },
  ])("$name", ({ body, result }) => {
    expect(parseWebhook(body, SELF, now)).toMatchObject(result);
  });
});
