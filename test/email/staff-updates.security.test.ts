// Staff updates by mail, as staff use it and as an attacker would try it: an allow-listed,
// authenticated sender opens, updates and resolves incidents by subject; everyone else is
// refused at SMTP time with the reason, and nothing is posted or kept.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getIncident } from "../../functions/status/queries";
import { testEnv } from "../alerts/helpers";
import { unique } from "../helpers";
import { inboundRow, messageIdIn, receive } from "./helpers";
import { mail, STAFF, UPDATES } from "./mails";

const PASS = "mx.cloudflare.net; dkim=pass header.d=example-hosting.test; spf=pass smtp.mailfrom=example-hosting.test; dmarc=pass header.from=example-hosting.test";

function update(subject: string, body: string, headers: Record<string, string> = { "Authentication-Results": PASS }, from = `Sam Staff <${STAFF}>`) {
  return mail({ from, to: UPDATES, subject, body, headers });
}

async function incidentsNamed(name: string) {
  const { results } = await env.DB.prepare("SELECT id, status, impact FROM incidents WHERE name = ?1").bind(name).all<{ id: string; status: string; impact: string }>();
  return results;
}

describe("staff updates by mail", () => {
  it("opens an incident, updates it by name, resolves it, and confirms each with a link", async () => {
    const t = testEnv();
    const name = `API errors ${unique("n")}`;
    const open = update(`[investigating major] ${name}`, "We see errors on the API.\r\n\r\n-- \r\nSam");
    const got = await receive(t, { raw: open, to: UPDATES });
    expect(got.record.rejected).toBeNull();
    const [incident] = await incidentsNamed(name);
    expect(incident).toMatchObject({ status: "investigating", impact: "major" });
    expect((await getIncident(env.DB, incident!.id))!.updates[0]!.body).toBe("We see errors on the API.");
    const confirmation = t.mail.find((m) => m.to === STAFF)!;
    expect(confirmation).toMatchObject({ from: UPDATES, subject: `Incident opened: ${name}` });
    expect(confirmation.text).toContain(`/incidents/${incident!.id}`);
    expect((await inboundRow(messageIdIn(open)))!).toMatchObject({ kind: "status-update" });
    const audit = await env.DB.prepare("SELECT actor FROM audit_log WHERE target = ?1").bind(incident!.id).first<{ actor: string }>();
    expect(audit!.actor).toBe(`email:${STAFF}`);

    await receive(t, { raw: update(`Re: [identified] ${name.toUpperCase()}`, "A bad deploy; rolling back."), to: UPDATES });
    await receive(t, { raw: update(`[resolved] ${name}`, "Rolled back, all good."), to: UPDATES });
    const after = (await getIncident(env.DB, incident!.id))!;
    expect(after.status).toBe("resolved");
    expect(after.updates.map((u) => u.status)).toEqual(["resolved", "identified", "investigating"]);
    expect(await incidentsNamed(name)).toHaveLength(1);
  });

  it.each<[string, () => string, RegExp, string?]>([
    ["a sender not on the list", () => update("[investigating] Forged outage", "All down.", { "Authentication-Results": PASS.replaceAll("example-hosting.test", "evil.test") }, "Mallory <mallory@evil.test>"), /staff only/],
    ["a forged staff sender (no authentication)", () => update("[investigating] Forged outage", "All down.", {}), /could not be verified.*no Authentication-Results/],
    ["a forged staff sender with DMARC failing", () => update("[investigating] Forged outage", "All down.", { "Authentication-Results": "mx.cloudflare.net; dmarc=fail header.from=example-hosting.test; spf=fail" }), /could not be verified/],
    ["a forged staff sender that wrote its own Authentication-Results under ours", () => mail({ from: STAFF, to: UPDATES, subject: "[investigating] Forged outage", body: "x", headers: { "Authentication-Results": "mx.cloudflare.net; dmarc=fail", "X-Filler": "1" } }).replace("X-Filler: 1", `Authentication-Results: ${PASS}`), /more than one/],
    ["a forged staff sender whose header claims another server", () => update("[investigating] Forged outage", "All down.", { "Authentication-Results": PASS.replace("mx.cloudflare.net", "mx.cloudflare.net.evil.test") }), /not our receiving server/],
    ["two From addresses", () => update("[investigating] Forged outage", "x", { "Authentication-Results": PASS, From: "mallory@evil.test" }), /exactly one From/],
    ["a staff From with a stranger's envelope and a forged Authentication-Results on top", () => update("[investigating] Forged outage", "All down."), /envelope sender \(mallory@evil.test\) is not of example-hosting.test/, "mallory@evil.test"],
  ])("refuses %s, posting nothing and keeping nothing", async (_n, build, reason, envelope) => {
    const t = testEnv();
    const raw = build();
    const got = await receive(t, { raw, to: UPDATES, ...(envelope ? { from: envelope } : {}) });
    expect(got.record.rejected).toMatch(reason);
    expect(await incidentsNamed("Forged outage")).toHaveLength(0);
    const row = await inboundRow(messageIdIn(raw));
    expect(row).toMatchObject({ state: "refused", kind: "refused", rawFileId: null });
    expect(got.record.forwards).toHaveLength(0);
  });

  it("keeps a staff mailbox's out-of-office answering our confirmation, refusing nothing and posting nothing", async () => {
    const t = testEnv();
    const raw = mail({ from: STAFF, to: UPDATES, subject: "Automatic reply: Update posted: Mail delayed", body: "Away until Monday.", headers: { "Auto-Submitted": "auto-replied", "Authentication-Results": PASS } });
    const got = await receive(t, { raw, to: UPDATES });
    expect(got.record.rejected).toBeNull();
    expect((await inboundRow(messageIdIn(raw)))!).toMatchObject({ kind: "auto-reply", state: "processed" });
  });

  it.each<[string, string, string, RegExp]>([
    ["a subject without the grammar", "Website down", "x", /Start the subject with the status/],
    ["resolving an incident that is not open", `[resolved] Nothing like this ${unique("n")}`, "done", /no open incident named/],
    ["an empty body", `[investigating] Empty ${unique("n")}`, "", /Write the update in the mail's text/],
    ["an unknown incident id", "[resolved] inc_zzzzzzzzzzzz", "done", /no incident inc_zzzzzzzzzzzz/],
  ])("refuses %s from staff with the reason", async (_n, subject, body, reason) => {
    const t = testEnv();
    const got = await receive(t, { raw: update(subject, body), to: UPDATES });
    expect(got.record.rejected).toMatch(reason);
  });
});
