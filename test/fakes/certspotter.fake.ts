// Cert Spotter's Certificate Transparency search (SSLMate CT Search API v1,
// GET /v1/issuances?domain=&match_wildcards=&expand=dns_names): a JSON array of issuances
// {id, tbs_sha256, pubkey_sha256, dns_names, not_before, not_after}; errors as
// {code, message}, 429 with Retry-After when rate-limited. What it knows, by the name asked:
//   exp-YYYYMMDD.example-hosting.test   a certificate for that name expiring on that date,
//                                       plus an older one expiring 90 days earlier
//   www.wild-YYYYMMDD.example-hosting.test  only a wildcard *.wild-YYYYMMDD... certificate
//   other.example-hosting.test          a certificate for another name only (no match)
//   ratelimited.example-hosting.test    429 rate_limited, Retry-After: 60
// Anything else: no issuances ([]).
import type { ProviderFake } from "./types";

const DAY = 86_400_000;

function issuance(id: string, names: string[], notAfter: Date) {
  return {
    id,
    tbs_sha256: id.padEnd(64, "0").slice(0, 64),
    pubkey_sha256: "f".repeat(64),
    dns_names: names,
    not_before: new Date(notAfter.getTime() - 90 * DAY).toISOString().replace(".000Z", "Z"),
    not_after: notAfter.toISOString().replace(".000Z", "Z"),
  };
}

function dateOf(label: string): Date | null {
  const m = /(\d{4})(\d{2})(\d{2})$/.exec(label);
  return m ? new Date(`${m[1]}-${m[2]}-${m[3]}T12:00:00Z`) : null;
}

export const certspotterFake: ProviderFake = {
  name: "certspotter",
  prefix: "/certspotter",
  respond(req) {
    const [path, query = ""] = req.path.split("?");
    if (path !== "/v1/issuances") return { status: 404, body: { code: "not_found", message: "Not found" } };
    const q = new URLSearchParams(query);
    const domain = (q.get("domain") ?? "").toLowerCase();
    if (!domain) return { status: 400, body: { code: "bad_request", message: "domain parameter is required" } };
    if (domain === "ratelimited.example-hosting.test") {
      return { status: 429, body: { code: "rate_limited", message: "You have exceeded the rate limit" }, headers: { "retry-after": "60" } };
    }
    const first = domain.split(".")[0]!;
    if (first.startsWith("exp-")) {
      const notAfter = dateOf(first);
      if (!notAfter) return { status: 200, body: [] };
      return { status: 200, body: [issuance("1001", [domain], new Date(notAfter.getTime() - 90 * DAY)), issuance("1002", [domain, `www.${domain}`], notAfter)] };
    }
    const parent = domain.split(".").slice(1).join(".");
    if (parent.startsWith("wild-") && q.get("match_wildcards") === "true") {
      const notAfter = dateOf(parent.split(".")[0]!);
      return { status: 200, body: notAfter ? [issuance("2001", [`*.${parent}`, parent], notAfter)] : [] };
    }
    if (domain === "other.example-hosting.test") return { status: 200, body: [issuance("3001", ["different.example-hosting.test"], new Date(Date.UTC(2099, 0, 1)))] };
    return { status: 200, body: [] };
  },
};
