// Acknowledgement tokens: signed, expiring, bound to one alert and person.
import { describe, expect, it } from "vitest";
import { signAckToken, verifyAckToken } from "../../functions/alerts/ack-token";

const key = "test-ack-key";
const now = new Date("2026-11-28T12:00:00.000Z");
const claim = { alertId: "al_abc123", personId: "alice", expiresAt: new Date(now.getTime() + 3_600_000) };

describe("ack tokens", () => {
  it("round-trips a claim", async () => {
    const token = await signAckToken(key, claim);
    const check = await verifyAckToken(key, token, now);
    expect(check).toEqual({ ok: true, claim: { ...claim, expiresAt: new Date(Math.floor(claim.expiresAt.getTime() / 1000) * 1000) } });
    expect(token.length).toBeLessThan(80);
  });

  it.each<[string, (t: string) => string, string]>([
    ["another alert", (t) => t.replace("al_abc123", "al_abc124"), "bad_signature"],
    ["another person", (t) => t.replace("alice", "mallory"), "bad_signature"],
    ["a later expiry", (t) => t.split(".").map((p, i) => (i === 2 ? (parseInt(p, 36) + 99999).toString(36) : p)).join("."), "bad_signature"],
    ["a flipped signature digit", (t) => t.slice(0, -1) + (t.endsWith("0") ? "1" : "0"), "bad_signature"],
    ["a missing part", (t) => t.split(".").slice(1).join("."), "malformed"],
    ["garbage", () => "../../etc/passwd", "malformed"],
  ])("refuses a token with %s", async (_n, tamper, reason) => {
    const token = tamper(await signAckToken(key, claim));
    expect(await verifyAckToken(key, token, now)).toEqual({ ok: false, reason });
  });

  it("refuses an expired token and one signed with another key", async () => {
    const token = await signAckToken(key, claim);
    expect(await verifyAckToken(key, token, new Date(now.getTime() + 2 * 3_600_000))).toEqual({ ok: false, reason: "expired" });
    expect(await verifyAckToken("other-key", token, now)).toEqual({ ok: false, reason: "bad_signature" });
  });
});
