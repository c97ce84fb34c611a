// The registry: one line per on-call channel. Everything else that names channels is derived
// from this list (registry.ts): the contact-method union and its JSON Schema, ChannelType, the
// doctor's providers and secrets. A channel's fake provider is found by its folder
// (test/fakes/providers.ts). Export only channel declarations here.
export { discordChannel } from "./discord/channel";
export { emailChannel } from "./email/channel";
export { mattermostChannel } from "./mattermost/channel";
export { ntfyChannel } from "./ntfy/channel";
export { pagerdutyChannel } from "./pagerduty/channel";
export { pushoverChannel } from "./pushover/channel";
export { slackChannel } from "./slack/channel";
export { teamsChannel } from "./teams/channel";
export { telegramChannel } from "./telegram/channel";
export { smsChannel, voiceChannel } from "./twilio/channel";
export { webhookChannel } from "./webhook/channel";
