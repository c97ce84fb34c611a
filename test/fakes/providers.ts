// The registry of provider fakes: one line per provider (each in its own file).
import type { ProviderFake } from "./types";
import { turnstileFake } from "./turnstile.fake";
import { twilioFake } from "./twilio.fake";
import { slackFake } from "./slack.fake";
import { discordFake } from "./discord.fake";
import { teamsFake } from "./teams.fake";
import { telegramFake } from "./telegram.fake";
import { ntfyFake } from "./ntfy.fake";
import { pushoverFake } from "./pushover.fake";
import { pagerdutyFake } from "./pagerduty.fake";
import { webhookFake } from "./webhook.fake";
import { certspotterFake } from "./certspotter.fake";
import { dohFake } from "./doh.fake";
import { smtpSessionsFake } from "./mail.fake";
import { targetFake } from "./target.fake";

export const providerFakes: ProviderFake[] = [turnstileFake, twilioFake, slackFake, discordFake, teamsFake, telegramFake, ntfyFake, pushoverFake, pagerdutyFake, webhookFake, dohFake, targetFake, certspotterFake, smtpSessionsFake];
