// Acknowledging by replying "ack" to the page mail (the inbound-email handler calls this).
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { acknowledgeByEmailReply, parseAckReply } from "../../functions/alerts/email-reply";
import { handleReportReceived } from "../../functions/alerts/lifecycle";
import { findAlert } from "../../functions/alerts/queries";
import { unique } from "../helpers";
import { alertOfReport, drain, insertReport, pushConfig, testEnv, quietOnCall } from "./helpers";

// Each test starts with nobody busy (see quietOnCall).
beforeEach(quietOnCall);

beforeAll(async () => {
  await pushConfig({
    version: 1,
    people: [{ id: "kim", name: "Kim", timezone: "UTC", contactMethods: [{ type: "email", address: "kim@ops.example.test" }] }],
    policies: [{ id: "only", levels: [{ timeoutMinutes: 5, targets: [{ person: "kim" }] }] }],
    routing: { defaultPolicy: "only" },
  }, new Date("2026-01-01T00:00:00Z"));
});

describe("ack by email reply", () => {
  it.each<[string, string, string, string | null]>([
    ["a plain reply", "Re: [7KQ2M] ALERT 7KQ2M: Web down", "ack\n\nOn Sat, Kim wrote:\n> [Example] ALERT", "7KQ2M"],
    ["a capitalised reply with more words", "RE: [7KQ2M] ALERT", "Ack, on it", "7KQ2M"],
    ["quoted text first (bottom-posting)", "Re: [7KQ2M] x", "> ALERT 7KQ2M\n\nack", "7KQ2M"],
    ["no code in the subject", "Re: ALERT", "ack", null],
    ["another first line", "Re: [7KQ2M] x", "looking into it\nack", null],
    ["a word that starts with ack", "Re: [7KQ2M] x", "acknowledgement pending", null],
  ])("%s", (_n, subject, text, expected) => {
    expect(parseAckReply(subject, text)).toBe(expected);
  });

  it("acknowledges when the sender was paged for that alert, and only then", async () => {
    const t = testEnv();
    const r = await insertReport({ subject: "Reply test", componentId: unique("cmp") });
    await handleReportReceived(t.svc, r.job, new Date());
    await drain(t, new Date());
    const alertId = (await alertOfReport(r.id))!;
    const subject = `Re: ${t.mail[0]!.subject}`;
    expect(await acknowledgeByEmailReply(t.svc, { from: "mallory@evil.example", subject, text: "ack" }, new Date())).toBeNull();
    expect((await findAlert(env.DB, alertId))!.state).toBe("triggered");
    const outcome = await acknowledgeByEmailReply(t.svc, { from: "Kim <KIM@ops.example.test>", subject, text: "ack" }, new Date());
    expect(outcome).toMatchObject({ changed: true, alert: { state: "acknowledged", acknowledgedBy: "Kim" } });
  });
});
