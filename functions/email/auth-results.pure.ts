// Whether a mail's sender is authenticated, from the Authentication-Results header (RFC 8601)
// that our receiving server wrote. Anyone can write such a header into a mail they send, so:
//   - only the topmost one counts (servers prepend theirs), and only when its authserv-id is
//     one we trust, compared exactly (a prefix check lets "mx.cloudflare.net.evil" through);
//   - two headers claiming our server's id make the mail suspect (one of them is forged);
//   - DKIM and SPF count only when aligned with the From domain (a pass for the attacker's own
//     domain proves nothing about the From address); DMARC is alignment by definition.
import type { HeaderLine } from "./headers.pure";

export interface AuthResult {
  method: string;
  result: string;
  /** Properties such as header.from, header.d, smtp.mailfrom (lower-cased keys and values). */
  props: Record<string, string>;
}

export interface AuthVerdict {
  trusted: boolean;
  /** Why not trusted, or which method passed. */
  reason: string;
  passed: "dmarc" | "dkim" | "spf" | null;
}

/** Drops RFC 5322 comments "(...)" (not nested deeper than one level in practice). */
function stripComments(v: string): string {
  let out = "";
  let depth = 0;
  for (const ch of v) {
    if (ch === "(") depth++;
    else if (ch === ")" && depth > 0) depth--;
    else if (depth === 0) out += ch;
  }
  return out;
}

/** Splits one Authentication-Results value into its authserv-id and results. */
export function parseAuthenticationResults(value: string): { authservId: string; results: AuthResult[] } {
  const parts = stripComments(value)
    .split(";")
    .map((p) => p.trim())
    .filter(Boolean);
  const authservId = (parts[0] ?? "").split(/\s+/)[0]!.toLowerCase();
  const results: AuthResult[] = [];
  for (const part of parts.slice(1)) {
    const tokens = part.split(/\s+/);
    const m = /^([a-z0-9-]+)=([a-z0-9-]+)$/i.exec(tokens[0] ?? "");
    if (!m) continue;
    const props: Record<string, string> = {};
    for (const t of tokens.slice(1)) {
      const eq = t.indexOf("=");
      if (eq > 0) props[t.slice(0, eq).toLowerCase()] = t.slice(eq + 1).replace(/^"|"$/g, "").toLowerCase();
    }
    results.push({ method: m[1]!.toLowerCase(), result: m[2]!.toLowerCase(), props });
  }
  return { authservId, results };
}

/** Relaxed alignment (RFC 7489): the same domain, or one a subdomain of the other. */
export function aligned(a: string, b: string): boolean {
  const x = a.toLowerCase().replace(/\.$/, "");
  const y = b.toLowerCase().replace(/\.$/, "");
  if (!x || !y) return false;
  return x === y || x.endsWith(`.${y}`) || y.endsWith(`.${x}`);
}

function domainPart(value: string | undefined): string {
  if (!value) return "";
  const v = value.replace(/^<|>$/g, "");
  return v.includes("@") ? v.slice(v.lastIndexOf("@") + 1) : v;
}

/**
 * Is mail that says it is From `fromDomain` authenticated, by our server's own header?
 * `headers` in order, as received.
 */
export function authenticationVerdict(headers: readonly HeaderLine[], trustedIds: readonly string[], fromDomain: string): AuthVerdict {
  const all = headers.filter((h) => h.name === "authentication-results").map((h) => parseAuthenticationResults(h.value));
  if (all.length === 0) return { trusted: false, reason: "the mail has no Authentication-Results header", passed: null };
  const top = all[0]!;
  const trusted = new Set(trustedIds.map((t) => t.toLowerCase()));
  if (!trusted.has(top.authservId)) return { trusted: false, reason: `the topmost Authentication-Results is by "${top.authservId}", not our receiving server`, passed: null };
  if (all.filter((a) => a.authservId === top.authservId).length > 1) {
    return { trusted: false, reason: "more than one Authentication-Results header claims our receiving server: one is forged", passed: null };
  }
  const r = top.results;
  const dmarc = r.find((x) => x.method === "dmarc" && x.result === "pass" && (!x.props["header.from"] || aligned(x.props["header.from"], fromDomain)));
  if (dmarc) return { trusted: true, reason: "dmarc=pass", passed: "dmarc" };
  const dkim = r.find((x) => x.method === "dkim" && x.result === "pass" && aligned(domainPart(x.props["header.d"] ?? x.props["header.i"]), fromDomain));
  if (dkim) return { trusted: true, reason: "dkim=pass, aligned with the From domain", passed: "dkim" };
  const spf = r.find((x) => x.method === "spf" && x.result === "pass" && aligned(domainPart(x.props["smtp.mailfrom"] ?? x.props["smtp.helo"]), fromDomain));
  if (spf) return { trusted: true, reason: "spf=pass, aligned with the From domain", passed: "spf" };
  return { trusted: false, reason: "neither DMARC, nor DKIM or SPF aligned with the From domain, passed", passed: null };
}

/** DMARC said pass (or said nothing we trust): whether `message.reply()` is worth trying. */
export function dmarcState(headers: readonly HeaderLine[], trustedIds: readonly string[]): "pass" | "fail" | "unknown" {
  const top = headers.find((h) => h.name === "authentication-results");
  if (!top) return "unknown";
  const parsed = parseAuthenticationResults(top.value);
  if (!trustedIds.map((t) => t.toLowerCase()).includes(parsed.authservId)) return "unknown";
  const dmarc = parsed.results.find((x) => x.method === "dmarc");
  if (!dmarc) return "unknown";
  return dmarc.result === "pass" ? "pass" : dmarc.result === "none" ? "unknown" : "fail";
}
