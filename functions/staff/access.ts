// Cloudflare Access in front of /admin: Access signs each request it lets through with a JWT
// in `Cf-Access-Jwt-Assertion` (RS256, keys published at <team domain>/cdn-cgi/access/certs).
// We check it ourselves, as Cloudflare advises, so a request that reached the Worker some other
// way (workers.dev, a misconfigured route) is not trusted: signature by a published key, then
// issuer, audience, expiry and not-before. Keys are cached per isolate by `kid`; an unknown
// `kid` (Access rotates keys) fetches the set again, at most once per REFETCH_MIN_MS, so
// tokens with made-up kids cannot make us hammer the endpoint.
import * as z from "zod";

export const ACCESS_HEADER = "cf-access-jwt-assertion";
const KEYS_TTL_MS = 60 * 60_000;
const REFETCH_MIN_MS = 30_000;
/** Clock skew allowed between Access and us. */
const LEEWAY_S = 60;
const MAX_TOKEN_LENGTH = 8192;

export interface AccessIdentity {
  email: string;
  subject: string;
  expiresAt: Date;
}

export class AccessTokenError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "AccessTokenError";
  }
}

const Jwk = z.object({ kid: z.string().min(1), kty: z.literal("RSA"), n: z.string().min(1), e: z.string().min(1), alg: z.string().optional() });
const Jwks = z.object({ keys: z.array(z.unknown()) });

const Header = z.object({ alg: z.string(), kid: z.string().min(1).max(200), typ: z.string().optional() });
const Claims = z.object({
  iss: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  exp: z.number(),
  nbf: z.number().optional(),
  iat: z.number().optional(),
  sub: z.string().default(""),
  email: z.string().optional(),
});

interface KeySet {
  keys: Map<string, CryptoKey>;
  fetchedAt: number;
}

/** Per isolate, by certificate URL: public keys only, so sharing them between requests is safe. */
const keySets = new Map<string, KeySet>();
const inflight = new Map<string, Promise<KeySet>>();

function base64UrlDecode(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new AccessTokenError("malformed");
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function jsonPart(text: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(base64UrlDecode(text)));
  } catch {
    throw new AccessTokenError("malformed");
  }
}

async function fetchKeySet(certsUrl: string, fetcher: typeof fetch, now: number): Promise<KeySet> {
  const res = await fetcher(certsUrl, { headers: { accept: "application/json" } });
  if (!res.ok) throw new AccessTokenError(`the Access certificates answered ${res.status}`);
  const parsed = Jwks.safeParse(await res.json().catch(() => null));
  if (!parsed.success) throw new AccessTokenError("the Access certificates are not a key set");
  const keys = new Map<string, CryptoKey>();
  for (const candidate of parsed.data.keys) {
    const jwk = Jwk.safeParse(candidate);
    if (!jwk.success) continue;
    const key = await crypto.subtle.importKey(
      "jwk",
      { kty: "RSA", n: jwk.data.n, e: jwk.data.e, alg: "RS256", ext: true },
      { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
      false,
      ["verify"],
    );
    keys.set(jwk.data.kid, key);
  }
  return { keys, fetchedAt: now };
}

async function keyFor(certsUrl: string, kid: string, fetcher: typeof fetch, now: number): Promise<CryptoKey> {
  let set = keySets.get(certsUrl);
  const stale = !set || now - set.fetchedAt > KEYS_TTL_MS;
  const unknownKid = set && !set.keys.has(kid) && now - set.fetchedAt > REFETCH_MIN_MS;
  if (stale || unknownKid) {
    // One fetch at a time per URL, however many requests arrive together.
    let pending = inflight.get(certsUrl);
    if (!pending) {
      pending = fetchKeySet(certsUrl, fetcher, now).finally(() => inflight.delete(certsUrl));
      inflight.set(certsUrl, pending);
    }
    try {
      set = await pending;
      keySets.set(certsUrl, set);
    } catch (err) {
      // Keep using keys we have while the endpoint is down; without any, nobody gets in.
      if (!set) throw err;
    }
  }
  const key = set!.keys.get(kid);
  if (!key) throw new AccessTokenError("signed by a key Access does not publish");
  return key;
}

/**
 * Verifies an Access token and returns who it names. Throws AccessTokenError with a reason
 * (never shown to the client in detail: the reason is logged, the answer is "sign in").
 */
export async function verifyAccessToken(
  token: string,
  access: { teamDomain: string; audience: string },
  now: Date,
  fetcher: typeof fetch = fetch,
): Promise<AccessIdentity> {
  if (token.length > MAX_TOKEN_LENGTH) throw new AccessTokenError("malformed");
  const parts = token.split(".");
  if (parts.length !== 3) throw new AccessTokenError("malformed");
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = Header.safeParse(jsonPart(headerPart));
  if (!header.success) throw new AccessTokenError("malformed header");
  // Only what Access uses: "none", HS256 (a public key used as an HMAC secret) and the rest are refused.
  if (header.data.alg !== "RS256") throw new AccessTokenError(`algorithm ${header.data.alg} is not accepted`);
  const key = await keyFor(`${access.teamDomain}/cdn-cgi/access/certs`, header.data.kid, fetcher, now.getTime());
  const signed = new TextEncoder().encode(`${headerPart}.${payloadPart}`);
  const valid = await crypto.subtle.verify("RSASSA-PKCS1-v1_5", key, base64UrlDecode(signaturePart), signed);
  if (!valid) throw new AccessTokenError("bad signature");

  const claims = Claims.safeParse(jsonPart(payloadPart));
  if (!claims.success) throw new AccessTokenError("malformed claims");
  const c = claims.data;
  const seconds = now.getTime() / 1000;
  if (c.iss !== access.teamDomain) throw new AccessTokenError("wrong issuer");
  const audiences = Array.isArray(c.aud) ? c.aud : [c.aud];
  if (!audiences.includes(access.audience)) throw new AccessTokenError("wrong audience");
  if (c.exp <= seconds - LEEWAY_S) throw new AccessTokenError("expired");
  if (c.nbf !== undefined && c.nbf > seconds + LEEWAY_S) throw new AccessTokenError("not valid yet");
  if (c.iat !== undefined && c.iat > seconds + LEEWAY_S) throw new AccessTokenError("issued in the future");
  const email = (c.email ?? "").trim().toLowerCase();
  if (!email) throw new AccessTokenError("names no email (a service token): sign in with a staff token instead");
  return { email, subject: c.sub, expiresAt: new Date(c.exp * 1000) };
}

/** For tests: forget cached keys, as a fresh isolate would. */
export function forgetAccessKeys(): void {
  keySets.clear();
}
