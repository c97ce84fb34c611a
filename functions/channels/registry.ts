// Every on-call channel, by contact method type. Adding a channel is one file next to this one
// and one line here (plus its ContactMethod shape in contract/oncall.ts).
import type { ChannelType } from "../../contract/oncall";
import { discordChannel } from "./discord";
import { emailChannel } from "./email";
import { ntfyChannel } from "./ntfy";
import { pagerdutyChannel } from "./pagerduty";
import { pushoverChannel } from "./pushover";
import { slackChannel } from "./slack";
import { teamsChannel } from "./teams";
import { telegramChannel } from "./telegram";
import { smsChannel, voiceChannel } from "./twilio";
import type { ChannelAdapter } from "./types";
import { webhookChannel } from "./webhook";

export const channels: { [T in ChannelType]: ChannelAdapter<T> } = {
  email: emailChannel,
  sms: smsChannel,
  voice: voiceChannel,
  slack: slackChannel,
  discord: discordChannel,
  teams: teamsChannel,
  telegram: telegramChannel,
  ntfy: ntfyChannel,
  pushover: pushoverChannel,
  pagerduty: pagerdutyChannel,
  webhook: webhookChannel,
};
