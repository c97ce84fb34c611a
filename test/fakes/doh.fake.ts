// A DNS-over-HTTPS resolver speaking the JSON API (RFC 8484's JSON flavour as Cloudflare's
// cloudflare-dns.com/dns-query serves it): GET ?name=&type= with Accept: application/dns-json,
// answering {Status, TC, RD, RA, AD, CD, Question, Answer}. Its zone:
//   mail.example-hosting.test    A 192.0.2.25, MX "10 mx1.example-hosting.test.", TXT "v=spf1 mx -all"
//   www.example-hosting.test     CNAME web.example-hosting.test. then A 192.0.2.80
//   gone.example-hosting.test    NXDOMAIN (Status 3)
//   broken.example-hosting.test  SERVFAIL (Status 2)
//   resolver-down.example-hosting.test  the resolver itself answers HTTP 502
//   slow.example-hosting.test    answers after 3 s
// Any other name answers NXDOMAIN. Without the Accept header it answers 400, as Cloudflare does.
import type { ProviderFake, ScriptedResponse } from "./types";

const types: Record<string, number> = { A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, TXT: 16, AAAA: 28, SRV: 33, CAA: 257 };

const zone: Record<string, Array<{ type: string; data: string }>> = {
  "mail.example-hosting.test": [
    { type: "A", data: "192.0.2.25" },
    { type: "MX", data: "10 mx1.example-hosting.test." },
    { type: "TXT", data: '"v=spf1 mx -all"' },
  ],
  "www.example-hosting.test": [
    { type: "CNAME", data: "web.example-hosting.test." },
    { type: "A", data: "192.0.2.80" },
  ],
  "slow.example-hosting.test": [{ type: "A", data: "192.0.2.99" }],
};

function answer(name: string, type: string, status: number, records: Array<{ type: string; data: string }>): ScriptedResponse {
  const body: Record<string, unknown> = {
    Status: status,
    TC: false,
    RD: true,
    RA: true,
    AD: false,
    CD: false,
    Question: [{ name: `${name}.`, type: types[type] ?? 1 }],
  };
  if (records.length > 0) body.Answer = records.map((r) => ({ name: `${name}.`, type: types[r.type], TTL: 300, data: r.data }));
  return { status: 200, body, headers: { "content-type": "application/dns-json" } };
}

export const dohFake: ProviderFake = {
  name: "doh",
  prefix: "/doh",
  respond(req) {
    if ((req.headers.accept ?? "") !== "application/dns-json") return { status: 400, body: "Bad Request" };
    const q = new URLSearchParams(req.path.split("?")[1] ?? "");
    const name = (q.get("name") ?? "").toLowerCase().replace(/\.$/, "");
    const type = (q.get("type") ?? "A").toUpperCase();
    if (!name) return { status: 400, body: { error: "Invalid query name" } };
    if (name === "resolver-down.example-hosting.test") return { status: 502, body: "Bad Gateway" };
    if (name === "broken.example-hosting.test") return answer(name, type, 2, []);
    const records = zone[name];
    if (!records) return answer(name, type, 3, []);
    // Like a resolver: the CNAME comes along with the records of the requested type.
    const wanted = records.filter((r) => r.type === type || (r.type === "CNAME" && type !== "CNAME"));
    const res = answer(name, type, 0, wanted);
    return name.startsWith("slow.") ? { ...res, delayMs: 3000 } : res;
  },
};
