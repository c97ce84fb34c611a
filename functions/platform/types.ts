import type { StaffScope } from "../../contract/staff";
import type { Services } from "./services";

/** The authenticated caller of a staff route. */
export interface StaffPrincipal {
  tokenId: string;
  name: string;
  scopes: readonly StaffScope[];
}

/**
 * Set while the static mirror (functions/mirror) renders a public page through the same routes
 * that answer live readers: such a render bypasses the edge cache, and fails rather than fall
 * back, so a mirror copy is never served live and a failure is never published as the mirror.
 */
export interface MirrorRender {
  /** The live site's public address (the mirror's pages point readers back to it). */
  liveUrl: string;
  /** The mirror's public address. */
  mirrorUrl: string;
}

export type AppEnv = {
  Bindings: Env;
  Variables: {
    requestId: string;
    staff: StaffPrincipal;
    services: Services;
    mirror?: MirrorRender;
  };
};
