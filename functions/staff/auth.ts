import type { MiddlewareHandler } from "hono";
import { hasScope, type StaffScope } from "../../contract/staff";
import { constantTimeEqual } from "../platform/crypto";
import { ApiError } from "../platform/errors";
import type { AppEnv, StaffPrincipal } from "../platform/types";
import { touchStaffToken } from "./queries";
import { findActiveStaffToken, TOKEN_PREFIX } from "./tokens";

const UNAUTHORIZED_HEADERS = { "WWW-Authenticate": 'Bearer realm="staff"' };

/**
 * Guards staff routes. Accepts `Authorization: Bearer <token>` where the token is either the
 * deployment's STAFF_TOKEN secret (compared in constant time; every scope) or an active token
 * from `npm run staff -- token create` (looked up by its hash).
 */
export function requireStaff(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S{1,256})$/i.exec(header.trim());
    if (!match) {
      throw new ApiError("unauthorized", "Staff authentication is required: send Authorization: Bearer <token>.", {
        headers: UNAUTHORIZED_HEADERS,
      });
    }
    const secret = match[1]!;
    const principal = await resolvePrincipal(c.env, secret);
    if (!principal) {
      throw new ApiError("unauthorized", "That staff token is not valid or has been revoked.", { headers: UNAUTHORIZED_HEADERS });
    }
    c.set("staff", principal);
    await next();
  };
}

async function resolvePrincipal(env: Env, secret: string): Promise<StaffPrincipal | null> {
  const configured = env.STAFF_TOKEN ?? "";
  if (configured.length > 0 && (await constantTimeEqual(secret, configured))) {
    return { tokenId: "env:STAFF_TOKEN", name: "staff (STAFF_TOKEN)", scopes: ["admin"] };
  }
  if (!secret.startsWith(TOKEN_PREFIX)) return null;
  const token = await findActiveStaffToken(env.DB, secret);
  if (!token) return null;
  await touchStaffToken(env.DB, token.id, new Date());
  return { tokenId: token.id, name: token.name, scopes: token.scopes };
}

/** Refuses with 403 unless the authenticated staff member holds `scope` (or one that implies it). */
export function requireScope(scope: StaffScope): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { scopes } = c.get("staff");
    if (!hasScope(scopes, scope)) {
      throw new ApiError("forbidden", `This token lacks the "${scope}" scope needed here.`);
    }
    await next();
  };
}
