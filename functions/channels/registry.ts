// Every on-call channel by its contact-method type, and what is derived from them. Channels
// are registered in list.ts, one line each; nothing here names a channel.
import * as registered from "./list";
import type { ChannelAdapter, ContactMethodInputOf, ContactMethodOf, SetupContext, SetupFinding, SilentCheckContext, SilentCheckResult } from "./types";

type Registered = (typeof registered)[keyof typeof registered];

/** Every contact-method type ("email", "sms", ...). */
export type ChannelType = Registered["type"];

/** A contact method of any channel (the union of each channel's own shape). */
export type ContactMethod = Registered extends infer C ? (C extends ChannelAdapter<infer T, infer F, any> ? ContactMethodOf<T, F> : never) : never;
/** The same, as written in a configuration file. */
export type ContactMethodInput = Registered extends infer C ? (C extends ChannelAdapter<infer T, infer F, any> ? ContactMethodInputOf<T, F> : never) : never;

/** The channels in a stable order (by type), for lists and the JSON Schema. */
export const channelList: readonly Registered[] = Object.values(registered).sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));

export const channels = Object.fromEntries(channelList.map((c) => [c.type, c])) as { [C in Registered as C["type"]]: C };

if (Object.keys(channels).length !== channelList.length) {
  throw new Error(`Two channels in functions/channels/list.ts declare the same type: ${channelList.map((c) => c.type).join(", ")}`);
}

export const channelTypes = channelList.map((c) => c.type) as ChannelType[];

/** What the doctor needs to know of each channel: its provider and the secrets it needs. */
export interface ChannelKind {
  provider: string;
  personal: boolean;
  requiredSecrets: readonly string[];
}

export const channelKinds = Object.fromEntries(
  channelList.map((c) => [c.type, { provider: c.provider, personal: c.personal, requiredSecrets: c.requiredSecrets }]),
) as Record<ChannelType, ChannelKind>;

/** Each provider's setup check (one per provider), for the doctor: e.g. whether Twilio's
 * numbers send their webhooks to this Worker. */
export const providerSetupChecks: ReadonlyArray<{ provider: string; check: (ctx: SetupContext) => Promise<SetupFinding[]> }> = [
  ...new Map(
    channelList.flatMap((c) => {
      const adapter = c as ChannelAdapter;
      return adapter.checkSetup ? [[adapter.provider, { provider: adapter.provider, check: adapter.checkSetup as (ctx: SetupContext) => Promise<SetupFinding[]> }] as const] : [];
    }),
  ).values(),
];

/**
 * Each channel's silent check (the path canary's), by contact-method type; null for a channel
 * that has none and relies on the weekly human-path check.
 */
export function silentCheckFor(type: string): { describe: string; perMethod: boolean; run: (ctx: SilentCheckContext, method: ContactMethod) => Promise<SilentCheckResult> } | null {
  const adapter = (channels as Record<string, ChannelAdapter | undefined>)[type];
  return adapter?.silentCheck
    ? (adapter.silentCheck as unknown as { describe: string; perMethod: boolean; run: (ctx: SilentCheckContext, method: ContactMethod) => Promise<SilentCheckResult> })
    : null;
}
