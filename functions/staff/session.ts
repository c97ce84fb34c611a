// Who is calling: a bearer token (the staff API, scripts) or a console session (a cookie set at
// sign-in by passkey, Cloudflare Access or a staff token). Both end as one StaffPrincipal with
// scopes, so the API and the console share one authorisation (requireScope in auth.ts).
import { roleScopes, type StaffScope } from "../../contract/staff";
import { constantTimeEqual, hmacSha256Hex, randomToken, sha256Hex } from "../platform/crypto";
import type { Config } from "../platform/config";
import type { StaffPrincipal } from "../platform/types";
import { auditStatement, countSignInFailures, findMember, findSessionByHash, insertSessionStatement, recordSignInFailure, revokeSessionStatement, rotateSession, touchSession, type SessionMethod, type StaffMember, type StaffSession, findStaffToken, touchStaffToken, type StaffToken } from "./queries";
import {
  idleExpiry,
  judgeSession,
  newSessionTimes,
  readCookie,
  SESSION_COOKIE,
  sessionCookie,
  signInLimit,
  signInLockout,
} from "./session.pure";
import { findActiveStaffToken, TOKEN_PREFIX } from "./tokens";

const ENV_TOKEN_ID = "env:STAFF_TOKEN";

interface Deps {
  db: D1Database;
  /** The deployment's STAFF_TOKEN secret (empty when not set). */
  envToken: string;
}

function memberPrincipal(member: StaffMember, session: StaffPrincipal["session"]): StaffPrincipal {
  return {
    name: member.displayName,
    actorId: `member:${member.id}`,
    scopes: roleScopes[member.role],
    memberId: member.id,
    role: member.role,
    session,
  };
}

function tokenPrincipal(token: StaffToken, member: StaffMember | null, session: StaffPrincipal["session"]): StaffPrincipal {
  return {
    name: member ? member.displayName : token.name,
    actorId: member ? `member:${member.id}` : `token:${token.id}`,
    scopes: token.scopes,
    memberId: member?.id ?? null,
    role: member?.role ?? null,
    session,
  };
}

function envPrincipal(session: StaffPrincipal["session"]): StaffPrincipal {
  return { name: "staff (STAFF_TOKEN)", actorId: ENV_TOKEN_ID, scopes: ["admin"] as StaffScope[], memberId: null, role: null, session };
}

/** The id a session keeps for the env token: it names which STAFF_TOKEN it was, so replacing
 * the secret ends the sessions opened with the old one. */
async function envTokenId(secret: string): Promise<string> {
  return `${ENV_TOKEN_ID}:${(await sha256Hex(`env-token:${secret}`)).slice(0, 16)}`;
}

/** A member who may act: exists and is not disabled. */
async function activeMember(db: D1Database, id: string | null): Promise<StaffMember | null | "disabled"> {
  if (!id) return null;
  const member = await findMember(db, id);
  if (!member || member.disabledAt) return "disabled";
  return member;
}

/** What a staff token secret stands for: null when unknown, revoked, or its member is disabled. */
export async function principalFromToken(deps: Deps, secret: string, now: Date): Promise<{ principal: StaffPrincipal; tokenId: string } | null> {
  if (deps.envToken.length > 0 && (await constantTimeEqual(secret, deps.envToken))) {
    return { principal: envPrincipal(null), tokenId: await envTokenId(secret) };
  }
  if (!secret.startsWith(TOKEN_PREFIX)) return null;
  const token = await findActiveStaffToken(deps.db, secret);
  if (!token) return null;
  const member = await activeMember(deps.db, token.memberId);
  if (member === "disabled") return null;
  await touchStaffToken(deps.db, token.id, now);
  return { principal: tokenPrincipal(token, member, null), tokenId: token.id };
}

// ---- sessions -------------------------------------------------------------------------------

export type SessionSubject =
  | { kind: "member"; member: StaffMember; method: Exclude<SessionMethod, "token"> }
  | { kind: "token"; tokenId: string; principal: StaffPrincipal };

/**
 * Starts a session: always a new id and secret (a session id handed out before sign-in can
 * never become a signed-in one), stored as a hash, audited in the same batch.
 */
export async function startSession(
  db: D1Database,
  subject: SessionSubject,
  opts: { now: Date; userAgent: string | null; absoluteMs?: number },
): Promise<{ cookie: string; sessionId: string; csrfToken: string }> {
  const secret = randomToken(32);
  const id = `ses_${randomToken(12)}`;
  const csrfToken = randomToken(32);
  const at = opts.now.toISOString();
  const times = newSessionTimes(opts.now.getTime(), opts.absoluteMs);
  const who =
    subject.kind === "member"
      ? { memberId: subject.member.id, tokenId: null, name: subject.member.displayName, method: subject.method, actorId: `member:${subject.member.id}` }
      : { memberId: subject.principal.memberId, tokenId: subject.tokenId, name: subject.principal.name, method: "token" as const, actorId: subject.principal.actorId };
  await db.batch([
    insertSessionStatement(db, {
      id,
      tokenHash: await sha256Hex(secret),
      memberId: who.memberId,
      tokenId: who.tokenId,
      name: who.name,
      method: who.method,
      csrfToken,
      now: at,
      ...times,
      userAgent: opts.userAgent?.slice(0, 300) ?? null,
    }),
    auditStatement(db, { actor: who.name, actorId: who.actorId, action: "staff.sign_in", target: id, detail: { method: who.method }, now: opts.now }),
  ]);
  return { cookie: sessionCookie(secret, times.expiresAt, opts.now.getTime()), sessionId: id, csrfToken };
}

export type SessionLookup =
  | { principal: StaffPrincipal; session: StaffSession; setCookie: string | null }
  | { principal: null; reason: "none" | "unknown" | "revoked" | "idle" | "expired" | "rotated_out" | "disabled" };

/** The principal of a request's session cookie, rotating its secret when it is due. */
export async function sessionFromRequest(deps: Deps, req: Request, now: Date): Promise<SessionLookup> {
  const secret = readCookie(req.headers.get("cookie"), SESSION_COOKIE);
  if (!secret) return { principal: null, reason: "none" };
  const hash = await sha256Hex(secret);
  const session = await findSessionByHash(deps.db, hash);
  if (!session) return { principal: null, reason: "unknown" };
  const t = now.getTime();
  const verdict = judgeSession(session, t);
  if (!verdict.ok) return { principal: null, reason: verdict.reason };

  const principal = await principalOfSession(deps, session);
  if (!principal) return { principal: null, reason: "disabled" };

  let setCookie: string | null = null;
  if (verdict.rotate) {
    const next = randomToken(32);
    // Of two requests rotating at once, one wins; the other goes on with the previous secret.
    if (await rotateSession(deps.db, session.id, hash, await sha256Hex(next), now.toISOString(), idleExpiry(t))) {
      setCookie = sessionCookie(next, session.expiresAt, t);
    }
  } else if (verdict.touch) {
    await touchSession(deps.db, session.id, now.toISOString(), idleExpiry(t));
  }
  return { principal, session, setCookie };
}

async function principalOfSession(deps: Deps, session: StaffSession): Promise<StaffPrincipal | null> {
  const ref = { id: session.id, csrfToken: session.csrfToken, method: session.method };
  if (session.method !== "token") {
    const member = await activeMember(deps.db, session.memberId);
    return member && member !== "disabled" ? memberPrincipal(member, ref) : null;
  }
  const tokenId = session.tokenId ?? "";
  if (tokenId.startsWith(`${ENV_TOKEN_ID}:`)) {
    // Still the deployment's current STAFF_TOKEN?
    return deps.envToken && tokenId === (await envTokenId(deps.envToken)) ? envPrincipal(ref) : null;
  }
  const token = await findStaffToken(deps.db, tokenId);
  if (!token || token.revokedAt) return null;
  const member = await activeMember(deps.db, token.memberId);
  if (member === "disabled") return null;
  return tokenPrincipal(token, member, ref);
}

export async function endSession(db: D1Database, principal: StaffPrincipal, now: Date): Promise<void> {
  if (!principal.session) return;
  await db.batch([
    revokeSessionStatement(db, principal.session.id, now.toISOString()),
    auditStatement(db, { actor: principal.name, actorId: principal.actorId, action: "staff.sign_out", target: principal.session.id, now }),
  ]);
}

// ---- failed sign-ins ------------------------------------------------------------------------

/** A salted hash of the client's address (never the address): the key of the sign-in limit. */
export async function signInClientKey(config: Pick<Config, "hashSalt">, req: Request): Promise<string> {
  const ip = req.headers.get("cf-connecting-ip")?.trim().slice(0, 64) || "unknown";
  return hmacSha256Hex(config.hashSalt || "outofband-unsalted", `signin:${ip}`);
}

/** Seconds to wait when this client has failed too often lately; null when it may try. */
export async function signInWait(db: D1Database, clientKey: string, now: Date): Promise<number | null> {
  const since = new Date(now.getTime() - signInLimit.windowMs).toISOString();
  return signInLockout(await countSignInFailures(db, clientKey, since), now.getTime());
}

export async function recordFailedSignIn(db: D1Database, clientKey: string, method: string, now: Date): Promise<void> {
  const pruneBefore = new Date(now.getTime() - 2 * signInLimit.windowMs).toISOString();
  await recordSignInFailure(db, clientKey, method, now.toISOString(), pruneBefore);
}
