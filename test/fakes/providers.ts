// Every provider fake the loopback server answers for: Turnstile's (intake) and the monitors'
// (DNS over HTTPS, HTTP targets, Cert Spotter, the SMTP session log) here, and each on-call
// channel's own, found by its folder (functions/channels/<name>/fake.ts), so adding a channel
// adds its fake without a line here.
/// <reference types="vite/client" />
import { certspotterFake } from "./certspotter.fake";
import { dohFake } from "./doh.fake";
import { githubFake } from "./github.fake";
import { smtpSessionsFake } from "./mail.fake";
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
  githubFake,
  ...Object.values(channelFakes).flatMap((module) => Object.values(module)),
];
