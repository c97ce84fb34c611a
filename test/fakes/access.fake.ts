// Cloudflare Access for the console tests: a team domain at <fake>/access whose signing keys are
// published at /cdn-cgi/access/certs as Access publishes them (a JWK set, RS256, by kid), and a
// test-only signer at /__sign that makes real RS256 tokens with those keys, or with a key that
// is not published (an attacker's), so the Worker's checks run against genuine signatures.
//   GET  /access/cdn-cgi/access/certs               {"keys": [...]} (kid-1, kid-2)
//   POST /access/__sign {payload, header?, key?}     {"token": "<jwt>"}; key: kid-1 | kid-2 | rogue
import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { ACCESS_PREFIX } from "./access.shared";
import type { ProviderFake } from "./types";

const keyPairs: Record<string, { privateKey: KeyObject; publicKey: KeyObject }> = {
  "kid-1": generateKeyPairSync("rsa", { modulusLength: 2048 }),
  "kid-2": generateKeyPairSync("rsa", { modulusLength: 2048 }),
  rogue: generateKeyPairSync("rsa", { modulusLength: 2048 }),
};
const published = ["kid-1", "kid-2"];

const b64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

export const accessFake: ProviderFake = {
  name: "access",
  prefix: ACCESS_PREFIX,
  respond(req) {
    if (req.method === "GET" && req.path === "/cdn-cgi/access/certs") {
      const keys = published.map((kid) => ({ kid, alg: "RS256", use: "sig", ...keyPairs[kid]!.publicKey.export({ format: "jwk" }) }));
      return { status: 200, body: { keys } };
    }
    if (req.method === "POST" && req.path === "/__sign") {
      const { payload, header, key } = JSON.parse(req.body) as { payload: Record<string, unknown>; header?: Record<string, unknown>; key?: string };
      const signer = keyPairs[key ?? "kid-1"]!;
      const fullHeader = { alg: "RS256", kid: key === "rogue" ? "kid-1" : (key ?? "kid-1"), typ: "JWT", ...header };
      const input = `${b64url(JSON.stringify(fullHeader))}.${b64url(JSON.stringify(payload))}`;
      const signature = b64url(sign("RSA-SHA256", Buffer.from(input), signer.privateKey));
      return { status: 200, body: { token: `${input}.${signature}` } };
    }
    return { status: 404, body: { errors: [{ message: "not found" }] } };
  },
};
