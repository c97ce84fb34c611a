// Intake must not be a spam relay, nor hand one reporter's private link to another. Each test
// is written the way an attacker would try it: through the real Worker, with client addresses
// of their own (CF-Connecting-IP), against real D1.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, fakeMail, postApi, postForm, referenceFrom, uniqueIp, uniqueReport } from "./helpers";

describe("confirmation mails", () => {
  it("repeat nothing the sender wrote: no name, no subject, no message, only our reference and link", async () => {
    const mail = fakeMail();
    const spam = {
      ...uniqueReport(),
      name: "Claim your prize at http://spam.example/win",
      subject: "CHEAP WATCHES http://spam.example/buy",
      message: "Visit http://spam.example/buy for the best prices on earth.",
      email: `victim-${crypto.randomUUID().slice(0, 8)}@example.org`,
    };
    const res = await postForm(spam, { overrides: { EMAIL: mail.binding } });
    expect(res.status).toBe(303);
    const reference = referenceFrom(res.headers.get("location"));
    expect(mail.sent).toHaveLength(1);
    const sent = mail.sent[0]!;
    expect(sent.to).toBe(spam.email);
    for (const part of [sent.subject, sent.text]) {
      expect(part).not.toContain("spam.example");
      expect(part).not.toContain("prize");
      expect(part).not.toContain("WATCHES");
    }
    expect(sent.subject).toContain(reference);
    expect(sent.text).toContain(`/r/${reference}?k=`);
    expect(sent.text).toContain("If you did not send this report");
  });

  it("go to one address at most a few times an hour, however many clients report with it", async () => {
    const mail = fakeMail();
    const victim = `target-${crypto.randomUUID().slice(0, 8)}@example.org`;
    const references: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await postApi(uniqueReport({ email: victim }), { overrides: { EMAIL: mail.binding } });
      expect(res.status).toBe(201); // every report is stored all the same
      references.push(((await res.json()) as { reference: string }).reference);
    }
    expect(mail.sent.filter((m) => m.to === victim)).toHaveLength(Number(env.CONFIRMATIONS_PER_ADDRESS_PER_HOUR));
    const { n } = (await env.DB.prepare(`SELECT COUNT(*) AS n FROM reports WHERE reporter_email = ?1`).bind(victim).first<{ n: number }>())!;
    expect(n).toBe(6);
  });

  it("caused by one client are capped per hour, whatever addresses it gives", async () => {
    const mail = fakeMail();
    const ip = uniqueIp();
    for (let i = 0; i < 4; i++) {
      const res = await postApi(uniqueReport(), { ip, overrides: { EMAIL: mail.binding, CONFIRMATIONS_PER_CLIENT_PER_HOUR: "2" } });
      expect(res.status).toBe(201);
    }
    expect(mail.sent).toHaveLength(2);
  });
});

describe("Idempotency-Key", () => {
  it("from another client is another key: it never replays someone else's answer or private link", async () => {
    const key = crypto.randomUUID();
    const victim = uniqueReport();
    const genuine = await postApi(victim, { headers: { "idempotency-key": key } });
    expect(genuine.status).toBe(201);
    const theirs = (await genuine.json()) as { reference: string; status_url: string };
    // The attacker learned the key (a shared script, a log) and sends it with the same body.
    const attack = await postApi(victim, { headers: { "idempotency-key": key } });
    expect(attack.headers.get("idempotent-replayed")).toBeNull();
    const mine = (await attack.json()) as { reference: string; status_url: string };
    expect(mine.reference).not.toBe(theirs.reference);
    expect(mine.status_url).not.toBe(theirs.status_url);
  });

  it("claimed first by an attacker never blocks the genuine report", async () => {
    const key = crypto.randomUUID();
    const squatted = await postApi(uniqueReport({ subject: "Squatting this key" }), { headers: { "idempotency-key": key } });
    expect(squatted.status).toBe(201);
    const genuine = await postApi(uniqueReport({ subject: "All sites on web3 are down" }), { headers: { "idempotency-key": key } });
    expect(genuine.status).toBe(201);
    const { reference } = (await genuine.json()) as { reference: string };
    const row = await env.DB.prepare("SELECT subject FROM reports WHERE reference = ?1").bind(reference).first<{ subject: string }>();
    expect(row!.subject).toContain("All sites on web3 are down");
  });

  it("reused by the same client with any field different is a 409, and the first report stands", async () => {
    const key = crypto.randomUUID();
    const ip = uniqueIp();
    const body = uniqueReport();
    expect((await postApi(body, { ip, headers: { "idempotency-key": key } })).status).toBe(201);
    for (const changed of [{ name: "Someone Else" }, { phone: "+31 6 5555 0000" }, { urgency: "normal" }]) {
      const res = await postApi({ ...body, ...changed }, { ip, headers: { "idempotency-key": key } });
      expect(res.status).toBe(409);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("conflict");
    }
    const again = await postApi(body, { ip, headers: { "idempotency-key": key } });
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
  });
});

describe("the form id", () => {
  it("sent by another client with the same text files a report of its own, never the first one's link", async () => {
    const form = uniqueReport({ form_id: crypto.randomUUID() });
    const first = await postForm(form);
    const second = await postForm(form);
    expect(referenceFrom(second.headers.get("location"))).not.toBe(referenceFrom(first.headers.get("location")));
    const page = await (await call(second.headers.get("location")!)).text();
    expect(page).not.toContain(referenceFrom(first.headers.get("location")));
  });
});
