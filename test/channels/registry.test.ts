// The registry and what is derived from it: every channel declares what it is, the on-call
// configuration accepts exactly the registered contact methods, and every channel that calls
// a provider over HTTP has its fake at the loopback server.
import { describe, expect, it } from "vitest";
import { channelKinds, channelList, channels, channelTypes } from "../../functions/channels/registry";
import { ContactMethod } from "../../functions/oncall/config";
import { fakeUrl } from "./helpers";

describe("channel registry", () => {
  // Personal channels reach one person's own device or inbox and may carry the reporter's
  // contact details; shared ones (a team chat, a webhook, PagerDuty) never may.
  it.each([
    ["email", true],
    ["sms", true],
    ["voice", true],
    ["pushover", true],
    ["telegram", true],
    ["slack", false],
    ["discord", false],
    ["teams", false],
    ["mattermost", false],
    ["ntfy", false],
    ["webhook", false],
    ["pagerduty", false],
  ] as const)("declares %s personal: %s", (type, personal) => {
    expect(channels[type].personal).toBe(personal);
  });

  it("lists every channel once, each under its own type", () => {
    expect(new Set(channelTypes).size).toBe(channelList.length);
    for (const [type, channel] of Object.entries(channels)) expect(channel.type).toBe(type);
    expect(Object.keys(channelKinds).sort()).toEqual([...channelTypes].sort());
  });

  it("declares every required secret among the settings the channel reads", () => {
    for (const channel of channelList) {
      for (const secret of channel.requiredSecrets) expect(channel.settings as readonly string[], channel.type).toContain(secret);
    }
  });

  it("counts channels of one provider as one kind (sms and voice are both Twilio)", () => {
    expect(channelKinds.sms.provider).toBe("twilio");
    expect(channelKinds.voice.provider).toBe("twilio");
    const others = channelList.filter((c) => c.provider !== "twilio").map((c) => c.provider);
    expect(new Set(others).size).toBe(others.length);
  });

  it("makes the on-call configuration accept each registered type and refuse any other", () => {
    for (const type of channelTypes) {
      const result = ContactMethod.safeParse({ type });
      // Known type: the channel's own fields are what is missing, not the type.
      expect(result.error?.issues.some((i) => i.path[0] === "type"), type).toBe(false);
    }
    const unknown = ContactMethod.safeParse({ type: "pigeon", loft: "north" });
    expect(unknown.success).toBe(false);
    expect(unknown.error!.issues[0]!.path).toEqual(["type"]);
  });

  it("has a fake at the loopback server for every provider reached over HTTP", async () => {
    const fakes = (await (await fetch(`${fakeUrl()}/__providers`)).json()) as Array<{ name: string }>;
    // Email goes through the send_email binding; its tests record the binding's calls.
    const http = channelList.filter((c) => !(c.settings as readonly string[]).includes("EMAIL")).map((c) => c.provider);
    expect(fakes.map((f) => f.name)).toEqual(expect.arrayContaining(http));
  });
});
