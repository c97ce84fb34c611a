// The staff side: counts and a page of subscribers, subscribers added in bulk (a migration:
// one that unsubscribed here stays unsubscribed), and a subscription ended by staff, audited.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createStaffToken } from "../../functions/staff/tokens";
import { makeComponents } from "../status/fixtures";
import { subscriberRow, subscriberTest, uniqueEmail } from "./helpers";

describe("staff subscriber routes", () => {
  it("add confirmed subscribers in bulk, leave known addresses as they are, and list them", async () => {
    const t = subscriberTest();
    const { ids } = await makeComponents(1);
    const left = uniqueEmail("left");
    await t.staff("POST", "/api/admin/subscribers", { subscribers: [{ email: left }] });
    const leftId = (await env.DB.prepare("SELECT id FROM subscribers WHERE target = ?1").bind(left).first<{ id: string }>())!.id;
    await env.DB.prepare("UPDATE subscribers SET state = 'unsubscribed' WHERE id = ?1").bind(leftId).run();

    const fresh = [uniqueEmail("new"), uniqueEmail("new")];
    const res = await t.staff("POST", "/api/admin/subscribers", {
      subscribers: [{ email: fresh[0]!.toUpperCase() }, { email: fresh[1], components: [ids[0]] }, { email: left }],
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ added: 2, unchanged: 1 });
    expect((await subscriberRow(leftId))!.state).toBe("unsubscribed");

    const list = await t.staff("GET", "/api/admin/subscribers?channel=email&state=active&limit=500");
    expect(list.status).toBe(200);
    const body = (await list.json()) as { counts: unknown[]; subscribers: Array<{ target: string; components: unknown; state: string }> };
    const mine = body.subscribers.filter((s) => fresh.includes(s.target));
    expect(mine.map((s) => s.components).sort()).toEqual([[ids[0]], "all"].sort());
    expect(body.counts).toEqual(expect.arrayContaining([expect.objectContaining({ channel: "email", state: "active" })]));
    expect(JSON.stringify(body)).not.toContain("secret");
  });

  it("refuse unknown components and more than 1,000 subscribers in one call, changing nothing", async () => {
    const t = subscriberTest();
    const email = uniqueEmail();
    const unknown = await t.staff("POST", "/api/admin/subscribers", { subscribers: [{ email, components: ["cmp_nope"] }] });
    expect(unknown.status).toBe(400);
    const many = await t.staff("POST", "/api/admin/subscribers", { subscribers: Array.from({ length: 1001 }, (_, i) => ({ email: `n${i}@bulk.example` })) });
    expect(many.status).toBe(400);
    expect(((await many.json()) as { error: { message: string } }).error.message).toContain("At most 1000");
    expect(await env.DB.prepare("SELECT 1 FROM subscribers WHERE target = ?1").bind(email).first()).toBeNull();
  });

  it("end a subscription, with an audit row", async () => {
    const t = subscriberTest();
    const email = uniqueEmail();
    await t.staff("POST", "/api/admin/subscribers", { subscribers: [{ email }] });
    const id = (await env.DB.prepare("SELECT id FROM subscribers WHERE target = ?1").bind(email).first<{ id: string }>())!.id;
    const res = await t.staff("DELETE", `/api/admin/subscribers/${id}`);
    expect(res.status).toBe(200);
    expect(await subscriberRow(id)).toMatchObject({ state: "unsubscribed", unsubscribe_reason: "staff" });
    const audit = await env.DB.prepare("SELECT actor FROM audit_log WHERE action = 'subscriber.unsubscribe' AND target = ?1").bind(id).first<{ actor: string }>();
    expect(audit?.actor).toBe("staff (STAFF_TOKEN)");
    expect((await t.staff("DELETE", "/api/admin/subscribers/sub_000000000000")).status).toBe(404);
  });
});

describe("delivery progress", () => {
  it("counts an update's sends by state, for a publisher too (counts only, no addresses)", async () => {
    const t = subscriberTest();
    const emails = [uniqueEmail(), uniqueEmail()];
    await t.staff("POST", "/api/admin/subscribers", { subscribers: emails.map((email) => ({ email })) });
    const res = await t.staff("POST", "/api/admin/incidents", { name: "Progress", body: "Looking." });
    const { id } = (await res.json()) as { id: string };
    await t.drain();
    const updateId = (await env.DB.prepare("SELECT id FROM incident_updates WHERE incident_id = ?1").bind(id).first<{ id: string }>())!.id;
    const { secret } = await createStaffToken(env.DB, { name: "publisher", scopes: ["status:write"], now: new Date() });
    const progress = await t.call(`/api/admin/subscribers/deliveries?update=${updateId}`, { headers: { authorization: `Bearer ${secret}` } });
    expect(progress.status).toBe(200);
    const body = (await progress.json()) as { states: Record<string, number>; last_sent_at: string | null };
    expect(body.states.sent).toBeGreaterThanOrEqual(2);
    expect(body.last_sent_at).not.toBeNull();
    expect(JSON.stringify(body)).not.toContain("@");
  });
});
