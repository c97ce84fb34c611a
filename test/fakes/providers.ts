// Every provider fake the loopback server answers for: Turnstile's (intake), the monitors'
// (DNS over HTTPS, HTTP targets, Cert Spotter, the SMTP session log), subscribers' own webhook
// receivers and a recorded Statuspage API (for imports) here, and each on-call channel's own,
// found by its folder (functions/channels/<name>/fake.ts), so adding a channel adds its fake
// without a line here.
/// <reference types="vite/client" />
import { certspotterFake } from "./certspotter.fake";
import { dohFake } from "./doh.fake";
import { smtpSessionsFake } from "./mail.fake";
import { statuspageFake } from "./statuspage.fake";
import { subscriberHookFake } from "./subscriber-hook.fake";
import { targetFake } from "./target.fake";
import { turnstileFake } from "./turnstile.fake";
import type { ProviderFake } from "./types";

const channelFakes = import.meta.glob<Record<string, ProviderFake>>("../../functions/channels/*/fake.ts", { eager: true });

export const providerFakes: ProviderFake[] = [
  turnstileFake,
  dohFake,
  targetFake,
  certspotterFake,
  smtpSessionsFake,
  subscriberHookFake,
  statuspageFake,
  ...Object.values(channelFakes).flatMap((module) => Object.values(module)),
];
