// A software passkey for the Worker tests, built the way an authenticator builds its answers
// (WebAuthn Level 2 §6): an ES256 key pair from WebCrypto, authenticator data, a "none"
// attestation object in CBOR, and assertions signed over authData || SHA-256(clientDataJSON).
// The browser tests use Chromium's virtual authenticator instead (e2e/console.spec.ts).

const enc = new TextEncoder();

export function b64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fromB64url(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

// ---- the little CBOR this needs (RFC 8949: unsigned/negative ints, byte and text strings, maps)

function head(major: number, n: number): Uint8Array {
  if (n < 24) return Uint8Array.of((major << 5) | n);
  if (n < 256) return Uint8Array.of((major << 5) | 24, n);
  if (n < 65536) return Uint8Array.of((major << 5) | 25, n >> 8, n & 255);
  return Uint8Array.of((major << 5) | 26, (n >>> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255);
}

type Cbor = number | string | Uint8Array | Map<Cbor, Cbor>;

export function cbor(value: Cbor): Uint8Array {
  if (typeof value === "number") return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === "string") {
    const bytes = enc.encode(value);
    return concat(head(3, bytes.length), bytes);
  }
  if (value instanceof Uint8Array) return concat(head(2, value.length), value);
  const parts: Uint8Array[] = [head(5, value.size)];
  for (const [k, v] of value) parts.push(cbor(k), cbor(v));
  return concat(...parts);
}

/** WebCrypto signs ECDSA as r||s; WebAuthn wants ASN.1 DER. */
function derSignature(raw: Uint8Array): Uint8Array {
  const int = (bytes: Uint8Array) => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    let b = bytes.slice(i);
    if (b[0]! & 0x80) b = concat(Uint8Array.of(0), b);
    return concat(Uint8Array.of(0x02, b.length), b);
  };
  const body = concat(int(raw.slice(0, 32)), int(raw.slice(32)));
  return concat(Uint8Array.of(0x30, body.length), body);
}

async function sha256(data: Uint8Array | string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", typeof data === "string" ? enc.encode(data) : data));
}

export interface SoftPasskey {
  credentialId: Uint8Array;
  keys: CryptoKeyPair;
  userHandle: string;
  counter: number;
}

/** Answers `navigator.credentials.create()` for the given options, as a registration response. */
export async function createPasskey(options: { challenge: string; rp: { id?: string }; user: { id: string } }, origin: string) {
  const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const jwk = (await crypto.subtle.exportKey("jwk", keys.publicKey)) as JsonWebKey;
  const credentialId = crypto.getRandomValues(new Uint8Array(16));
  const cose = cbor(
    new Map<Cbor, Cbor>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, fromB64url(jwk.x!)],
      [-3, fromB64url(jwk.y!)],
    ]),
  );
  const rpId = options.rp.id ?? new URL(origin).hostname;
  const authData = concat(
    await sha256(rpId),
    Uint8Array.of(0x45), // user present, user verified, attested credential data
    Uint8Array.of(0, 0, 0, 0),
    new Uint8Array(16), // AAGUID
    Uint8Array.of(credentialId.length >> 8, credentialId.length & 255),
    credentialId,
    cose,
  );
  const attestationObject = cbor(new Map<Cbor, Cbor>([["fmt", "none"], ["attStmt", new Map()], ["authData", authData]]));
  const clientDataJSON = enc.encode(JSON.stringify({ type: "webauthn.create", challenge: options.challenge, origin, crossOrigin: false }));
  const id = b64url(credentialId);
  const passkey: SoftPasskey = { credentialId, keys, userHandle: options.user.id, counter: 0 };
  const response = {
    id,
    rawId: id,
    type: "public-key",
    clientExtensionResults: {},
    authenticatorAttachment: "platform",
    response: { clientDataJSON: b64url(clientDataJSON), attestationObject: b64url(attestationObject), transports: ["internal"] },
  };
  return { passkey, response };
}

/** Answers `navigator.credentials.get()` with this passkey. */
export async function assert(
  passkey: SoftPasskey,
  options: { challenge: string; rpId?: string },
  origin: string,
  opts: { counter?: number; type?: string; userHandle?: string | null } = {},
) {
  const rpId = options.rpId ?? new URL(origin).hostname;
  const counter = opts.counter ?? passkey.counter;
  const authData = concat(await sha256(rpId), Uint8Array.of(0x05), Uint8Array.of((counter >>> 24) & 255, (counter >> 16) & 255, (counter >> 8) & 255, counter & 255));
  const clientDataJSON = enc.encode(JSON.stringify({ type: opts.type ?? "webauthn.get", challenge: options.challenge, origin, crossOrigin: false }));
  const signed = concat(authData, await sha256(clientDataJSON));
  const raw = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, passkey.keys.privateKey, signed));
  const id = b64url(passkey.credentialId);
  return {
    id,
    rawId: id,
    type: "public-key",
    clientExtensionResults: {},
    authenticatorAttachment: "platform",
    response: {
      clientDataJSON: b64url(clientDataJSON),
      authenticatorData: b64url(authData),
      signature: b64url(derSignature(raw)),
      ...(opts.userHandle === null ? {} : { userHandle: opts.userHandle ?? passkey.userHandle }),
    },
  };
}
