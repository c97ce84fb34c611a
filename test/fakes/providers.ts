// Every provider fake the loopback server answers for: Turnstile's (intake) here, and each
// on-call channel's own, found by its folder (functions/channels/<name>/fake.ts), so adding a
// channel adds its fake without a line here.
/// <reference types="vite/client" />
import type { ProviderFake } from "./types";
import { turnstileFake } from "./turnstile.fake";

const channelFakes = import.meta.glob<Record<string, ProviderFake>>("../../functions/channels/*/fake.ts", { eager: true });

export const providerFakes: ProviderFake[] = [turnstileFake, ...Object.values(channelFakes).flatMap((module) => Object.values(module))];
