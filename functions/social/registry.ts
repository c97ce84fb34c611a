// Every social network by name, and what is derived from them. Networks are registered in
// list.ts, one line each; nothing here names a network.
import * as registered from "./list";
import type { NetworkName } from "./message.pure";
import { loadSession, saveSession } from "./queries";
import type { NetworkContext, SocialNetwork } from "./types";

export const networkList: readonly SocialNetwork[] = Object.values(registered as Record<string, SocialNetwork>);

const byName = new Map<NetworkName, SocialNetwork>(networkList.map((n) => [n.name, n]));
if (byName.size !== networkList.length) throw new Error(`Two networks in functions/social/list.ts share a name: ${networkList.map((n) => n.name).join(", ")}`);

export function networkOf(name: NetworkName): SocialNetwork {
  const network = byName.get(name);
  if (!network) throw new Error(`no social network named ${name} is registered`);
  return network;
}

/** A network is on when every setting it needs is set (its credentials, its instance). */
export function isConfigured(network: SocialNetwork, settings: Env): boolean {
  return network.requiredSettings.every((name) => {
    const value = (settings as unknown as Record<string, unknown>)[name];
    return typeof value === "string" && value.trim() !== "";
  });
}

/** How long one provider request may take before it counts as a (retryable) failure. */
export const SOCIAL_TIMEOUT_MS = 10_000;

export function contextFor(db: D1Database, network: SocialNetwork, settings: Env, now: Date, timeoutMs = SOCIAL_TIMEOUT_MS): NetworkContext {
  return {
    settings,
    now,
    timeoutMs,
    session: { load: () => loadSession(db, network.name), save: (data) => saveSession(db, network.name, data, new Date().toISOString()) },
  };
}
