// Passkeys (WebAuthn) with @simplewebauthn/server: registration (from an invitation, or a
// signed-in member adding a device) and sign-in with discoverable credentials (no user name
// typed: the browser offers the passkeys it has for this site). Challenges are stored in D1,
// used once, for five minutes, on the origin they were made for.
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { isoBase64URL } from "@simplewebauthn/server/helpers";
import * as z from "zod";
import { siteConfig } from "../../site.config";
import type { Config } from "../platform/config";
import { randomToken } from "../platform/crypto";
import { ApiError } from "../platform/errors";
import {
  findMember,
  findPasskey,
  insertChallenge,
  insertPasskeyStatement,
  listPasskeysOf,
  takeChallenge,
  usePasskeyStatement,
  type Passkey,
  type StaffMember,
} from "./queries";

const CHALLENGE_TTL_MS = 5 * 60_000;

/** The relying party of a ceremony: the console origin the browser is on, if passkeys may be used there. */
export interface RelyingParty {
  origin: string;
  rpID: string;
}

/**
 * Passkeys work on the origins the configuration names (PUBLIC_URL's and CONSOLE_ORIGINS),
 * each with its host name as relying party id. Browsers refuse an IP address as one, so
 * locally the console is opened at http://localhost:PORT.
 */
export function relyingPartyFor(config: Pick<Config, "console">, requestUrl: string): RelyingParty | null {
  const url = new URL(requestUrl);
  if (!config.console.origins.includes(url.origin)) return null;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(url.hostname) || url.hostname.includes(":") || url.hostname.startsWith("[")) return null;
  return { origin: url.origin, rpID: url.hostname };
}

export function requireRelyingParty(config: Pick<Config, "console">, requestUrl: string): RelyingParty {
  const rp = relyingPartyFor(config, requestUrl);
  if (!rp) {
    const at = config.console.origins.find((o) => !/\/\/\d+\.\d+\.\d+\.\d+/.test(o));
    throw new ApiError("bad_request", at ? `Passkeys work on ${at}/admin; open the console there.` : "Passkeys are not set up for this address (CONSOLE_ORIGINS).");
  }
  return rp;
}

const b64url = z.string().min(1).max(4096).regex(/^[A-Za-z0-9_-]+$/, "Not base64url.");
const extensions = z.record(z.string(), z.unknown()).default({});

export const RegistrationResponse = z.object({
  id: b64url,
  rawId: b64url,
  type: z.literal("public-key"),
  authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
  clientExtensionResults: extensions,
  response: z.object({
    clientDataJSON: b64url,
    attestationObject: z.string().min(1).max(16_384).regex(/^[A-Za-z0-9_-]+$/),
    transports: z.array(z.string().max(32)).max(10).optional(),
    authenticatorData: z.string().max(16_384).optional(),
    publicKey: z.string().max(4096).optional(),
    publicKeyAlgorithm: z.number().optional(),
  }),
});

export const AuthenticationResponse = z.object({
  id: b64url,
  rawId: b64url,
  type: z.literal("public-key"),
  authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
  clientExtensionResults: extensions,
  response: z.object({
    clientDataJSON: b64url,
    authenticatorData: b64url,
    signature: b64url,
    userHandle: z.string().max(512).regex(/^[A-Za-z0-9_-]*$/).optional(),
  }),
});

export const PasskeyLabel = z
  .string()
  .transform((v) => v.replace(/[\u0000-\u001f\u007f-\u009f]/g, "").replace(/\s+/g, " ").trim())
  .pipe(z.string().max(60, "Keep the name under 60 characters."))
  .transform((v) => v || "Passkey");

// ---- registration ---------------------------------------------------------------------------

export async function registrationOptions(
  db: D1Database,
  p: { member: StaffMember; inviteId: string | null; rp: RelyingParty; now: Date },
): Promise<{ challengeId: string; options: PublicKeyCredentialCreationOptionsJSON }> {
  const existing = await listPasskeysOf(db, p.member.id);
  const options = await generateRegistrationOptions({
    rpName: `${siteConfig.name} staff console`,
    rpID: p.rp.rpID,
    userID: new Uint8Array(new TextEncoder().encode(p.member.id)),
    userName: p.member.email ?? p.member.displayName,
    userDisplayName: p.member.displayName,
    attestationType: "none",
    excludeCredentials: existing.map((k) => ({ id: k.id, transports: k.transports })),
    // Discoverable: sign-in then needs no user name, the browser lists this site's passkeys.
    authenticatorSelection: { residentKey: "required", userVerification: "preferred" },
    timeout: CHALLENGE_TTL_MS,
  });
  const challengeId = `wch_${randomToken(16)}`;
  await insertChallenge(
    db,
    {
      id: challengeId,
      challenge: options.challenge,
      purpose: "register",
      memberId: p.member.id,
      inviteId: p.inviteId,
      origin: p.rp.origin,
      expiresAt: new Date(p.now.getTime() + CHALLENGE_TTL_MS).toISOString(),
    },
    p.now.toISOString(),
  );
  return { challengeId, options };
}

/**
 * Checks a new passkey against its challenge and returns the statement that stores it (for
 * the caller's batch, with the invitation's use and the audit row). The challenge is gone
 * afterwards whatever the outcome.
 */
export async function verifyRegistration(
  db: D1Database,
  p: { challengeId: string; response: z.infer<typeof RegistrationResponse>; rp: RelyingParty; label: string; now: Date; memberId: string; inviteId: string | null },
): Promise<{ passkey: Omit<Passkey, "lastUsedAt">; statement: D1PreparedStatement }> {
  const challenge = await takeChallenge(db, p.challengeId, "register", p.now.toISOString());
  if (!challenge || challenge.memberId !== p.memberId || challenge.inviteId !== p.inviteId || challenge.origin !== p.rp.origin) {
    throw new ApiError("bad_request", "This passkey request has expired or does not belong here. Start again.");
  }
  let verified;
  try {
    verified = await verifyRegistrationResponse({
      response: p.response as RegistrationResponseJSON,
      expectedChallenge: challenge.challenge,
      expectedOrigin: p.rp.origin,
      expectedRPID: p.rp.rpID,
      requireUserVerification: false,
    });
  } catch (err) {
    throw new ApiError("bad_request", `The passkey could not be verified: ${err instanceof Error ? err.message : "unknown reason"}.`);
  }
  if (!verified.verified) throw new ApiError("bad_request", "The passkey could not be verified.");
  const info = verified.registrationInfo;
  if (await findPasskey(db, info.credential.id)) throw new ApiError("conflict", "This passkey is registered already.");
  const passkey = {
    id: info.credential.id,
    memberId: p.memberId,
    publicKey: isoBase64URL.fromBuffer(info.credential.publicKey),
    counter: info.credential.counter,
    transports: info.credential.transports ?? [],
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
    label: p.label,
    createdAt: p.now.toISOString(),
  };
  return { passkey, statement: insertPasskeyStatement(db, passkey) };
}

// ---- sign-in --------------------------------------------------------------------------------

export async function authenticationOptions(db: D1Database, p: { rp: RelyingParty; now: Date }): Promise<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
  const options = await generateAuthenticationOptions({ rpID: p.rp.rpID, userVerification: "preferred", timeout: CHALLENGE_TTL_MS });
  const challengeId = `wch_${randomToken(16)}`;
  await insertChallenge(
    db,
    {
      id: challengeId,
      challenge: options.challenge,
      purpose: "authenticate",
      memberId: null,
      inviteId: null,
      origin: p.rp.origin,
      expiresAt: new Date(p.now.getTime() + CHALLENGE_TTL_MS).toISOString(),
    },
    p.now.toISOString(),
  );
  return { challengeId, options };
}

export class PasskeySignInError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "PasskeySignInError";
  }
}

/** Verifies a sign-in; returns the member and the statement recording the passkey's use. */
export async function verifyAuthentication(
  db: D1Database,
  p: { challengeId: string; response: z.infer<typeof AuthenticationResponse>; rp: RelyingParty; now: Date },
): Promise<{ member: StaffMember; passkey: Passkey; statement: D1PreparedStatement }> {
  const challenge = await takeChallenge(db, p.challengeId, "authenticate", p.now.toISOString());
  if (!challenge || challenge.origin !== p.rp.origin) throw new PasskeySignInError("challenge unknown, used or expired");
  const passkey = await findPasskey(db, p.response.id);
  if (!passkey) throw new PasskeySignInError("unknown passkey");
  const handle = p.response.response.userHandle;
  if (handle && new TextDecoder().decode(isoBase64URL.toBuffer(handle)) !== passkey.memberId) throw new PasskeySignInError("user handle does not match");
  const member = await findMember(db, passkey.memberId);
  if (!member || member.disabledAt) throw new PasskeySignInError("member disabled");
  let verified;
  try {
    verified = await verifyAuthenticationResponse({
      response: p.response as AuthenticationResponseJSON,
      expectedChallenge: challenge.challenge,
      expectedOrigin: p.rp.origin,
      expectedRPID: p.rp.rpID,
      credential: { id: passkey.id, publicKey: isoBase64URL.toBuffer(passkey.publicKey), counter: passkey.counter, transports: passkey.transports },
      requireUserVerification: false,
    });
  } catch (err) {
    throw new PasskeySignInError(err instanceof Error ? err.message : "verification failed");
  }
  if (!verified.verified) throw new PasskeySignInError("verification failed");
  return { member, passkey, statement: usePasskeyStatement(db, passkey.id, verified.authenticationInfo.newCounter, p.now.toISOString()) };
}
