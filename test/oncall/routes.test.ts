// Staff API of the on-call configuration: happy paths, bad input, and auth on every route.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createStaffToken } from "../../functions/staff/tokens";
import { fakeProviders, fetchWorker, staffHeaders, unique } from "../helpers";
import { configInput } from "./fixtures";

function put(body: unknown, headers: Record<string, string> = staffHeaders()): Promise<Response> {
  return fetchWorker("/api/admin/oncall", {
    method: "PUT",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

function post(path: string, body: unknown, headers: Record<string, string> = staffHeaders()): Promise<Response> {
  return fetchWorker(path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

type ErrorJson = { error: { code: string; message: string; fields?: Record<string, string> } };

afterEach(() => vi.restoreAllMocks());

describe("on-call staff routes: security", () => {
  it.each([
    ["GET", "/api/admin/oncall"],
    ["PUT", "/api/admin/oncall"],
    ["GET", "/api/admin/oncall/schedule"],
    ["POST", "/api/admin/oncall/rotations/primary/overrides"],
    ["GET", "/api/admin/doctor"],
    ["POST", "/api/admin/oncall/people/alice/test-page"],
  ])("%s %s without a token is 401", async (method, path) => {
    const res = await fetchWorker(path, { method, headers: { "content-type": "application/json" }, body: method === "GET" ? null : "{}" });
    expect(res.status).toBe(401);
    expect(((await res.json()) as ErrorJson).error.code).toBe("unauthorized");
  });

  it.each([
    ["PUT", "/api/admin/oncall"],
    ["POST", "/api/admin/oncall/rotations/primary/overrides"],
    ["POST", "/api/admin/oncall/people/alice/test-page"],
  ])("%s %s without the oncall:write scope is 403 and changes nothing", async (method, path) => {
    const { secret } = await createStaffToken(env.DB, { name: unique("reader"), scopes: ["reports:read"], now: new Date() });
    const before = await env.DB.prepare("SELECT COUNT(*) AS n FROM oncall_configs").first<{ n: number }>();
    const res = await fetchWorker(path, { method, headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" }, body: JSON.stringify(configInput()) });
    expect(res.status).toBe(403);
    const after = await env.DB.prepare("SELECT COUNT(*) AS n FROM oncall_configs").first<{ n: number }>();
    expect(after!.n).toBe(before!.n);
  });

  it("a token with only oncall:write may replace the configuration", async () => {
    const { secret } = await createStaffToken(env.DB, { name: unique("lead"), scopes: ["oncall:write"], now: new Date() });
    const res = await put({ ...configInput(), "//": unique("lead-edit") }, { authorization: `Bearer ${secret}` });
    expect(res.status).toBe(201);
  });
});

describe("on-call staff routes: who may read the configuration, and what they see (issue 8)", () => {
  // One person per kind of secret a contact method holds. Anyone who reads an ntfy topic, a
  // webhook URL or a routing key can subscribe to, or forge, every page.
  const secretPeople = [
    { id: "zoe", name: "Zoe", timezone: "UTC", contactMethods: [{ type: "email", address: "zoe.pager@pager.example.com" }, { type: "sms", number: "+447700900123" }, { type: "voice", number: "+447700900456" }] },
    { id: "yan", name: "Yan", timezone: "UTC", contactMethods: [{ type: "slack", webhookUrl: "https://hooks.slack.com/services/T000/B000/XXXXSLACKSECRET" }, { type: "discord", webhookUrl: "https://discord.com/api/webhooks/123/DISCORDSECRETTOKEN" }, { type: "teams", webhookUrl: "https://contoso.webhook.office.com/webhookb2/TEAMSSECRET" }] },
    { id: "xia", name: "Xia", timezone: "UTC", contactMethods: [{ type: "telegram", chatId: "-1001234567890" }, { type: "ntfy", topic: "xia-secret-topic-8c1f" }, { type: "pushover", userKey: "uQiRzpo4DXghDmr9QzzfQu27cmVRsG" }] },
    { id: "wim", name: "Wim", timezone: "UTC", contactMethods: [{ type: "pagerduty", routingKey: "R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY12" }, { type: "webhook", url: "https://hooks.example-hosting.nl/page?token=WEBHOOKSECRET" }, { type: "mattermost", webhookUrl: "https://chat.example-hosting.nl/hooks/MATTERMOSTHOOKKEY" }] },
  ] as const;
  // Vic's webhook answers 404 with its path in the body, as many servers' error pages do.
  const vic = () => ({ id: "vic", name: "Vic", timezone: "UTC", contactMethods: [{ type: "slack", webhookUrl: `${fakeProviders.url()}/gone/T000/B000/VICSLACKPATHSECRET` }, { type: "email", address: "vic@ops.example-hosting.nl" }] });
  const secrets = () => [...secretPeople, vic()].flatMap((p) => p.contactMethods.flatMap((m) => Object.entries(m).filter(([k]) => k !== "type").map(([, v]) => v)));

  async function pushSecrets(): Promise<void> {
    const base = configInput();
    const res = await put({ ...base, "//": unique("secrets"), people: [...base.people, ...secretPeople, vic()] as never });
    expect(res.status).toBe(201);
  }

  async function tokenWith(...scopes: Array<"reports:read" | "oncall:read" | "oncall:write">): Promise<Record<string, string>> {
    const { secret } = await createStaffToken(env.DB, { name: unique("scoped"), scopes, now: new Date() });
    return { authorization: `Bearer ${secret}` };
  }

  function expectNoSecret(body: string, where: string): void {
    for (const value of secrets()) expect(body, `${where} shows ${value}`).not.toContain(value);
  }

  it.each(["/api/admin/oncall", "/api/admin/oncall/schedule", "/api/admin/doctor"])("GET %s with only reports:read is 403 and shows nothing", async (path) => {
    await pushSecrets();
    const res = await fetchWorker(path, { headers: await tokenWith("reports:read") });
    expect(res.status).toBe(403);
    const body = await res.text();
    expect(JSON.parse(body).error.message).toMatch(/oncall:(read|write)/);
    expectNoSecret(body, path);
  });

  it("oncall:read sees the schedule and the doctor, with no secret anywhere, but not the configuration", async () => {
    await pushSecrets();
    const headers = await tokenWith("oncall:read");
    const schedule = await fetchWorker("/api/admin/oncall/schedule", { headers });
    expect(schedule.status).toBe(200);
    expectNoSecret(await schedule.text(), "schedule");

    const doctor = await fetchWorker("/api/admin/doctor", { headers });
    expect(doctor.status).toBe(200);
    const report = await doctor.text();
    expectNoSecret(report, "doctor");
    // The doctor still says what is wrong, with the address masked.
    expect(report).toContain("z•••@pager.example.com is on a reserved example domain");

    expect((await fetchWorker("/api/admin/oncall", { headers })).status).toBe(403);
  });

  it("oncall:write without admin reads the configuration with every contact detail masked", async () => {
    await pushSecrets();
    const res = await fetchWorker("/api/admin/oncall", { headers: await tokenWith("oncall:write") });
    expect(res.status).toBe(200);
    const text = await res.text();
    expectNoSecret(text, "configuration");
    const body = JSON.parse(text) as { masked: boolean; sha256: string | null; config: { people: Array<{ id: string; contactMethods: Array<Record<string, string>> }> } };
    expect(body.masked).toBe(true);
    // A hash of the whole document would let low-entropy values (phone numbers) be guessed.
    expect(body.sha256).toBeNull();
    const methods = Object.fromEntries(body.config.people.map((p) => [p.id, p.contactMethods]));
    expect(methods.zoe).toEqual([
      { type: "email", address: "z•••@pager.example.com" },
      { type: "sms", number: "+44•••23" },
      { type: "voice", number: "+44•••56" },
    ]);
    expect(methods.yan!.map((m) => m.webhookUrl)).toEqual(["https://hooks.slack.com/•••", "https://discord.com/•••", "https://contoso.webhook.office.com/•••"]);
    expect(methods.xia).toEqual([
      { type: "telegram", chatId: "•••" },
      { type: "ntfy", topic: "•••" },
      { type: "pushover", userKey: "•••" },
    ]);
    expect(methods.wim).toEqual([
      { type: "pagerduty", routingKey: "•••" },
      { type: "webhook", url: "https://hooks.example-hosting.nl/•••" },
      // A channel added after the masking was written is masked by the shape of its values.
      { type: "mattermost", webhookUrl: "https://chat.example-hosting.nl/•••" },
    ]);
  });

  it("admin reads the configuration whole", async () => {
    await pushSecrets();
    const res = await fetchWorker("/api/admin/oncall", { headers: staffHeaders() });
    const text = await res.text();
    for (const value of secrets()) expect(text).toContain(value);
    const body = JSON.parse(text) as { masked: boolean; sha256: string };
    expect(body.masked).toBe(false);
    expect(body.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("a masked configuration pushed back is refused, naming each masked field, and stores nothing", async () => {
    await pushSecrets();
    const masked = (await (await fetchWorker("/api/admin/oncall", { headers: await tokenWith("oncall:write") })).json()) as { config: Record<string, unknown> };
    const before = await env.DB.prepare("SELECT COUNT(*) AS n FROM oncall_configs").first<{ n: number }>();
    // The masked URLs are still URLs: without this check they would be stored, and pages
    // to them would go nowhere.
    const res = await put({ ...masked.config, "//": unique("pushed-back") });
    expect(res.status).toBe(400);
    const err = (await res.json()) as ErrorJson;
    expect(err.error.fields).toHaveProperty(["people.4.contactMethods.0.webhookUrl"]);
    expect(err.error.message).toMatch(/masked/);
    const after = await env.DB.prepare("SELECT COUNT(*) AS n FROM oncall_configs").first<{ n: number }>();
    expect(after!.n).toBe(before!.n);
  });

  it("a test page's results are masked for a token without admin (a provider's error may quote the address)", async () => {
    vi.spyOn(env.EMAIL, "send").mockResolvedValue({ messageId: "msg-masked-1" } as never);
    await pushSecrets();
    const res = await post("/api/admin/oncall/people/vic/test-page", {}, await tokenWith("oncall:write"));
    expect(res.status).toBe(200);
    const text = await res.text();
    const body = JSON.parse(text) as { results: Array<{ type: string; ok: boolean; error?: string }> };
    expect(body.results[0]).toMatchObject({ type: "slack", ok: false });
    expect(body.results[0]!.error).toMatch(/HTTP 404/);
    expect(text).not.toContain("VICSLACKPATHSECRET");
    expectNoSecret(text, "test page");
  });
});

describe("PUT and GET /api/admin/oncall", () => {
  it("stores a new version, audits it, answers it back, and a same push changes nothing", async () => {
    const doc = { ...configInput(), "//": unique("v") };
    const res = await put(doc);
    expect(res.status).toBe(201);
    const { version, changed } = (await res.json()) as { version: number; changed: boolean };
    expect(changed).toBe(true);

    const again = await put(doc);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ version, changed: false });

    const got = await fetchWorker("/api/admin/oncall", { headers: staffHeaders() });
    expect(got.status).toBe(200);
    const body = (await got.json()) as { version: number; created_by: string; config: { "//": string; rotations: Array<{ overrides: unknown[] }> } };
    expect(body.version).toBe(version);
    expect(body.created_by).toBe("staff (STAFF_TOKEN)");
    expect(body.config["//"]).toBe(doc["//"]);
    expect(body.config.rotations[0]!.overrides).toEqual([]);

    const audit = await env.DB.prepare("SELECT actor, detail FROM audit_log WHERE action = 'oncall.replace' ORDER BY id DESC LIMIT 1").first<{ actor: string; detail: string }>();
    expect(audit!.actor).toBe("staff (STAFF_TOKEN)");
    expect(JSON.parse(audit!.detail)).toEqual({ people: 3, rotations: 1, policies: 2 });
  });

  it("refuses an invalid document with 400, the field named, and stores nothing", async () => {
    const before = await env.DB.prepare("SELECT COUNT(*) AS n FROM oncall_configs").first<{ n: number }>();
    const base = configInput();
    const res = await put({ ...base, rotations: [{ ...base.rotations![0]!, members: ["alice", "zoe"] }] });
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorJson;
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.fields!["rotations.0.members.1"]).toMatch(/zoe/);
    const after = await env.DB.prepare("SELECT COUNT(*) AS n FROM oncall_configs").first<{ n: number }>();
    expect(after!.n).toBe(before!.n);
  });

  it.each([
    ["not JSON", "{people:", "application/json", 400],
    ["the wrong content type", JSON.stringify(configInput()), "text/plain", 415],
    ["too large", JSON.stringify({ ...configInput(), "//": "x".repeat(600 * 1024) }), "application/json", 413],
  ])("refuses a body that is %s", async (_name, body, type, status) => {
    const res = await fetchWorker("/api/admin/oncall", { method: "PUT", headers: staffHeaders({ "content-type": type }), body });
    expect(res.status).toBe(status);
  });
});

describe("GET /api/admin/oncall/schedule", () => {
  it("shows who is on call now and the shifts of the next 14 days without gaps", async () => {
    await put({ ...configInput(), "//": unique("schedule") });
    const res = await fetchWorker("/api/admin/oncall/schedule", { headers: staffHeaders() });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { at: string; until: string; rotations: Array<{ id: string; on_call: { person: string }; shifts: Array<{ start: string; end: string }>; gaps: unknown[] }> };
    const [primary] = body.rotations;
    expect(primary!.id).toBe("primary");
    expect(["alice", "bob"]).toContain(primary!.on_call.person);
    expect(primary!.gaps).toEqual([]);
    expect(primary!.shifts[0]!.start).toBe(body.at);
    expect(primary!.shifts.at(-1)!.end).toBe(body.until);
    expect(Date.parse(body.until) - Date.parse(body.at)).toBe(14 * 86_400_000);
  });

  it("refuses a days value out of range", async () => {
    const res = await fetchWorker("/api/admin/oncall/schedule?days=400", { headers: staffHeaders() });
    expect(res.status).toBe(400);
  });
});

describe("POST /api/admin/oncall/rotations/{id}/overrides", () => {
  it("adds an override as a new version; the rotation answers with the new person", async () => {
    await put({ ...configInput(), "//": unique("override") });
    const start = new Date(Date.now() - 60_000).toISOString();
    const end = new Date(Date.now() + 3_600_000).toISOString();
    const res = await post("/api/admin/oncall/rotations/primary/overrides", { person: "carol", start, end, note: "I take tonight" });
    expect(res.status).toBe(201);
    const schedule = (await (await fetchWorker("/api/admin/oncall/schedule", { headers: staffHeaders() })).json()) as { rotations: Array<{ on_call: { person: string; source: string; note: string } }> };
    expect(schedule.rotations[0]!.on_call).toMatchObject({ person: "carol", source: "override", note: "I take tonight" });
  });

  it.each([
    ["an unknown rotation", "/api/admin/oncall/rotations/nope/overrides", { person: "carol", start: "2026-12-01T20:00", end: "2026-12-02T08:00" }, 404],
    ["an unknown person", "/api/admin/oncall/rotations/primary/overrides", { person: "zoe", start: "2026-12-01T20:00", end: "2026-12-02T08:00" }, 400],
    ["an end before the start", "/api/admin/oncall/rotations/primary/overrides", { person: "carol", start: "2026-12-02T20:00", end: "2026-12-02T08:00" }, 400],
  ])("refuses %s", async (_name, path, body, status) => {
    await put({ ...configInput(), "//": unique("override-bad") });
    const res = await post(path, body);
    expect(res.status).toBe(status);
    if (status === 400) expect(Object.keys(((await res.json()) as ErrorJson).error.fields ?? {})[0]).toMatch(/(^|\.)(person|end)$/);
  });
});

describe("GET /api/admin/doctor", () => {
  it("answers a verdict per check", async () => {
    await put({ ...configInput(), "//": unique("doctor") });
    const res = await fetchWorker("/api/admin/doctor", { headers: staffHeaders() });
    expect(res.status).toBe(200);
    const report = (await res.json()) as { verdict: string; checks: Array<{ id: string; verdict: string; details: string[] }> };
    expect(report.checks.map((c) => c.id)).toEqual(["configuration", "policy-channels", "channel-secrets", "rotation-gaps", "email-destinations", "intake-routing", "email-intake", "provider-webhooks", "mirror", "assurance", "assurance-watch"]);
    // Without Twilio's secrets the hotline's webhooks cannot be asked about: said, not failed.
    const webhooks = report.checks.find((c) => c.id === "provider-webhooks")!;
    expect(webhooks.verdict).toBe("warn");
    expect(webhooks.details.join(" ")).toMatch(/twilio: The hotline \+31201234567 \(site\.config\.ts\) cannot be checked/);
    // The test Worker has no Twilio secrets, and alice and carol are paged by sms/voice.
    const secrets = report.checks.find((c) => c.id === "channel-secrets")!;
    expect(secrets.verdict).toBe("fail");
    expect(secrets.details.join(" ")).toMatch(/TWILIO_ACCOUNT_SID/);
    expect(report.verdict).toBe("fail");
  });
});

describe("POST /api/admin/oncall/people/{id}/test-page", () => {
  it("pages each method of the person and reports each result; one failure does not stop the others", async () => {
    const send = vi.spyOn(env.EMAIL, "send").mockResolvedValue({ messageId: "msg-test-1" } as never);
    const base = configInput();
    await put({
      ...base,
      "//": unique("test-page"),
      people: [
        ...base.people,
        { id: "dave", name: "Dave", timezone: "Europe/Amsterdam", contactMethods: [{ type: "webhook", url: "https://hooks.example-hosting.nl/page" }, { type: "email", address: "dave@ops.example-hosting.nl" }] },
      ],
    });
    const res = await post("/api/admin/oncall/people/dave/test-page", {});
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; results: Array<{ type: string; ok: boolean; error?: string; provider_id?: string }> };
    expect(body.ok).toBe(false);
    expect(body.results[0]).toMatchObject({ type: "webhook", ok: false });
    expect(body.results[0]!.error).toMatch(/WEBHOOK_SIGNING_SECRET/);
    expect(body.results[1]).toMatchObject({ type: "email", ok: true, provider_id: "msg-test-1" });
    expect(send).toHaveBeenCalledOnce();
    expect(send.mock.calls[0]![0]).toMatchObject({ to: "dave@ops.example-hosting.nl" });
    const audit = await env.DB.prepare("SELECT target FROM audit_log WHERE action = 'oncall.test_page' ORDER BY id DESC LIMIT 1").first<{ target: string }>();
    expect(audit!.target).toBe("dave");
  });

  it("is 404 for someone not in the configuration", async () => {
    await put({ ...configInput(), "//": unique("test-page-404") });
    expect((await post("/api/admin/oncall/people/nobody/test-page", {})).status).toBe(404);
  });
});
