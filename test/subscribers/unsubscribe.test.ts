// Leaving: RFC 8058 one-click unsubscribe (the mail client POSTs `List-Unsubscribe=One-Click`
// to the List-Unsubscribe URL, no page in between), and the link opened in a browser (GET
// shows a page with a button; only its POST unsubscribes).
import { describe, expect, it } from "vitest";
import { unsubscribeUrl } from "../../functions/subscribers/tokens";
import { unique } from "../helpers";
import { confirmedEmailSubscribers, linkIn, pathOf, PUBLIC_URL, subscriberRow, subscriberTest, uniqueEmail } from "./helpers";

async function subscribedWithLink(t: ReturnType<typeof subscriberTest>) {
  const email = uniqueEmail();
  const [id] = (await confirmedEmailSubscribers([{ email }])) as [string];
  return { email, id, link: await unsubscribeUrl(t.svc.config, id) };
}

describe("one-click unsubscribe (RFC 8058)", () => {
  it("the POST a mail client sends unsubscribes at once and answers in plain text", async () => {
    const t = subscriberTest();
    const { id, link } = await subscribedWithLink(t);
    const res = await t.call(pathOf(link), { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "List-Unsubscribe=One-Click" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    expect(await res.text()).toBe("Unsubscribed.\n");
    expect(await subscriberRow(id)).toMatchObject({ state: "unsubscribed", unsubscribe_reason: "one-click" });
  });

  it("takes the multipart/form-data body RFC 8058 also allows", async () => {
    const t = subscriberTest();
    const { id, link } = await subscribedWithLink(t);
    const form = new FormData();
    form.set("List-Unsubscribe", "One-Click");
    const res = await t.call(pathOf(link), { method: "POST", body: form });
    expect(res.status).toBe(200);
    expect((await subscriberRow(id))!.state).toBe("unsubscribed");
  });

  it("the link in a real status mail works, and no further update is mailed", async () => {
    const t = subscriberTest();
    const email = uniqueEmail();
    await confirmedEmailSubscribers([{ email }]);
    const open = await t.staff("POST", "/api/admin/incidents", { name: `First ${unique()}`, body: "Looking." });
    await t.drain();
    const mail = t.mail.find((m) => m.to === email)!;
    const header = mail.headers!["List-Unsubscribe"]!;
    expect(header).toBe(`<${linkIn(mail.text, `${PUBLIC_URL}/subscribe/unsubscribe/`)}>`);
    const res = await t.call(pathOf(header.slice(1, -1)), { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "List-Unsubscribe=One-Click" });
    expect(res.status).toBe(200);
    const { id } = (await open.json()) as { id: string };
    await t.staff("POST", `/api/admin/incidents/${id}/updates`, { status: "resolved", body: "Fixed." });
    await t.drain();
    expect(t.mail.filter((m) => m.to === email)).toHaveLength(1);
  });

  it("a forged or altered token unsubscribes nobody", async () => {
    const t = subscriberTest();
    const { id, link } = await subscribedWithLink(t);
    const forged = link.replace(/\.[0-9a-f]+$/, `.${"0".repeat(32)}`);
    const other = link.replace(id, "sub_aaaaaaaaaaaa");
    for (const bad of [forged, other, `${PUBLIC_URL}/subscribe/unsubscribe/not-a-token`]) {
      const res = await t.call(pathOf(bad), { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "List-Unsubscribe=One-Click" });
      expect(res.status).toBe(404);
    }
    expect((await subscriberRow(id))!.state).toBe("active");
  });
});

describe("the unsubscribe link in a browser", () => {
  it("GET shows a page with a button and changes nothing; the button's POST unsubscribes and shows a page", async () => {
    const t = subscriberTest();
    const { id, link } = await subscribedWithLink(t);
    const page = await t.call(pathOf(link));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Unsubscribe?");
    expect(html).toMatch(/<form method="post"[^>]*>/);
    expect(html).not.toMatch(/data-slot="manage-form" hidden/);
    expect(page.headers.get("referrer-policy")).toBe("same-origin");
    expect((await subscriberRow(id))!.state).toBe("active");

    const done = await t.call(pathOf(link), { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "via=page" });
    expect(done.status).toBe(200);
    expect(done.headers.get("content-type")).toContain("text/html");
    expect(await done.text()).toContain("You are unsubscribed");
    expect(await subscriberRow(id)).toMatchObject({ state: "unsubscribed", unsubscribe_reason: "self" });

    const after = await t.call(pathOf(link));
    expect(await after.text()).toContain("You are unsubscribed");
  });

  it("someone unsubscribed may subscribe again, with a new confirmation", async () => {
    const t = subscriberTest();
    const { email, id, link } = await subscribedWithLink(t);
    await t.call(pathOf(link), { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "List-Unsubscribe=One-Click" });
    await t.subscribe({ channel: "email", email });
    expect(await subscriberRow(id)).toMatchObject({ state: "pending" });
    expect(t.mail.at(-1)!.text).toContain(`/subscribe/confirm/${id}.`);
  });
});
