// Every provider fake the loopback server answers for: Turnstile's (intake), the monitors'
// (DNS over HTTPS, HTTP targets, Cert Spotter, the SMTP session log), subscribers' own webhook
// receivers and a recorded Statuspage API (for imports) here, and each on-call channel's and
// each social network's own, found by their folders (functions/channels/<name>/
// fake.ts, functions/social/<name>/fake.ts), so adding a channel or a network adds its fake
// without a line here.
/// <reference types="vite/client" />
import { accessFake } from "./access.fake";
import { certspotterFake } from "./certspotter.fake";
import { dohFake } from "./doh.fake";
import { githubFake } from "./github.fake";
import { smtpSessionsFake } from "./mail.fake";
import { statuspageFake } from "./statuspage.fake";
import { subscriberHookFake } from "./subscriber-hook.fake";
import { targetFake } from "./target.fake";
import { turnstileFake } from "./turnstile.fake";
import type { ProviderFake } from "./types";

const channelFakes = import.meta.glob<Record<string, ProviderFake>>("../../functions/channels/*/fake.ts", { eager: true });
const socialFakes = import.meta.glob<Record<string, unknown>>("../../functions/social/*/fake.ts", { eager: true });

/** A social fake module exports helpers too; its ProviderFake is the export with a prefix and respond(). */
const isFake = (value: unknown): value is ProviderFake =>
  typeof value === "object" && value !== null && typeof (value as ProviderFake).prefix === "string" && typeof (value as ProviderFake).respond === "function";

export const providerFakes: ProviderFake[] = [
  turnstileFake,
  dohFake,
  targetFake,
  certspotterFake,
  smtpSessionsFake,
  accessFake,
  subscriberHookFake,
  statuspageFake,
  githubFake,
  ...Object.values(channelFakes).flatMap((module) => Object.values(module)),
  ...Object.values(socialFakes).flatMap((module) => Object.values(module).filter(isFake)),
];
