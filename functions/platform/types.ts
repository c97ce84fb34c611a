import type { StaffRole, StaffScope } from "../../contract/staff";
import type { Services } from "./services";

/** The authenticated caller of a staff route: a bearer token, or a console session. */
export interface StaffPrincipal {
  /** Who, as people read it: a member's display name, or the token's name. */
  name: string;
  /** Who, as a stable id for the audit log: "member:stf_…", "token:<id>", "env:STAFF_TOKEN". */
  actorId: string;
  scopes: readonly StaffScope[];
  /** The console member, when signed in as one (passkey, Access; or a token they own). */
  memberId: string | null;
  role: StaffRole | null;
  /** The console session, when the request came with one (never for bearer tokens). */
  session: { id: string; csrfToken: string; method: "passkey" | "token" | "access" } | null;
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
    /** A console write's body, read once (with its size cap) by the CSRF check. */
    consoleBody: string;
    mirror?: MirrorRender;
  };
};
