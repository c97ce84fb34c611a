// The path canary's round trips with the providers that push to this Worker, against the
// loopback fakes of Twilio's IncomingPhoneNumbers API and X's webhook management API:
// - Twilio: the numbers' webhooks still point here, or the run names what is wrong;
// - X: each run asks X to CRC-check /hooks/x again (PUT /2/webhooks/:id) and reads X's verdict;
//   the CRCs that arrive are recorded by /hooks/x, and a run whose previous request brought no
//   CRC fails. The tests play X's part of the round trip: they send the CRC to the Worker and
//   tell the fake how it went, as X marks a webhook valid or invalid.
import { beforeEach, describe, expect, it } from "vitest";
import { findCheck } from "../../functions/assurance/queries";
import { selfWorker } from "../../functions/canary/cron";
import { runPathCanary } from "../../functions/canary/run";
import { checkProviderWebhooks } from "../../functions/canary/webhooks";
import { xSignature } from "../../functions/social/x/webhook";
import { script } from "../channels/helpers";
import { env, fakeProviders, fetchWorker, staffHeaders, unique } from "../helpers";
import { quietOnCall, testEnv, type TestEnv } from "../alerts/helpers";

const PUBLIC = "https://status.example-hosting.test";
const HOTLINE = "+31201234567"; // site.config.ts
const X_SECRET = "x-consumer-secret-round-trip";

/** A test env with X set up against a world of its own in the fake, with the bearer token. */
function xEnv(bearer = "AAAAAAAAAAAAAAAAAAAAAbearer-test"): { t: TestEnv; world: string; control: (action: string, body?: unknown) => Promise<any> } {
  const t = testEnv();
  const world = unique("crc");
  Object.assign(t.env, {
    X_API_BASE: `${fakeProviders.url()}/x/${world}`,
    X_CONSUMER_KEY: "x-consumer-key",
    X_CONSUMER_SECRET: X_SECRET,
    X_ACCESS_TOKEN: "1234567890-access",
    X_ACCESS_TOKEN_SECRET: "x-access-secret",
    X_BEARER_TOKEN: bearer,
  });
  const control = async (action: string, body?: unknown) => {
    const res = await fetch(`${fakeProviders.url()}/x/${world}/__control/${action}`, { method: body === undefined ? "GET" : "POST", headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    return ((await res.json()) as { data: unknown }).data;
  };
  return { t, world, control };
}

/** X's part: its CRC request to /hooks/x, checked as X checks the answer. */
async function crcFromX(t: TestEnv): Promise<boolean> {
  const token = unique("crc-token");
  const res = await selfWorker(t.svc, new Date()).fetch(new Request(`${PUBLIC}/hooks/x?crc_token=${token}`));
  const body = (await res.json()) as { response_token?: string };
  return res.status === 200 && body.response_token === (await xSignature(X_SECRET, token));
}

beforeEach(async () => {
  await quietOnCall();
  // The CRC record is written at most once a minute: each test starts without an earlier one's.
  await forgetRoundTrips();
});

async function forgetRoundTrips(): Promise<void> {
  const names = "('social:x:crc', 'webhooks:x', 'webhooks:twilio')";
  await env.DB.batch([env.DB.prepare(`DELETE FROM assurance_checks WHERE name IN ${names}`), env.DB.prepare(`DELETE FROM assurance_check_runs WHERE name IN ${names}`)]);
}

describe("Twilio's webhooks", () => {
  it("are verified when the numbers point here, and fail with what is wrong when they do not", async () => {
    const t = testEnv();
    const ok = await checkProviderWebhooks(t.svc, new Date());
    expect(ok.find((w) => w.provider === "twilio")).toMatchObject({ outcome: "verified" });
    expect((await findCheck(env.DB, "webhooks:twilio"))?.lastVerifiedAt).toBeTruthy();

    await script("twilio", encodeURIComponent(HOTLINE), [
      { status: 200, body: { incoming_phone_numbers: [{ phone_number: HOTLINE, voice_url: "https://old-pbx.example/twiml", voice_method: "POST", voice_application_sid: "", trunk_sid: null, sms_url: `${PUBLIC}/hooks/twilio/sms`, sms_method: "POST", sms_application_sid: "", status_callback: `${PUBLIC}/hooks/twilio/call-status`, capabilities: { voice: true, sms: true } }], page: 0, page_size: 50 } },
    ]);
    const moved = await checkProviderWebhooks(t.svc, new Date());
    expect(moved.find((w) => w.provider === "twilio")).toMatchObject({ outcome: "failed", detail: expect.stringContaining("https://old-pbx.example/twiml") });
    expect((await findCheck(env.DB, "webhooks:twilio"))?.lastError).toContain(`set it to POST ${PUBLIC}/hooks/twilio/voice`);
  });

  it("fail when Twilio cannot be asked (nothing was verified), and are not driven without Twilio", async () => {
    const t = testEnv();
    await script("twilio", encodeURIComponent(HOTLINE), [{ status: 503, body: { code: 20503, message: "Service Unavailable", status: 503 } }]);
    const down = await checkProviderWebhooks(t.svc, new Date());
    expect(down.find((w) => w.provider === "twilio")).toMatchObject({ outcome: "failed", detail: expect.stringContaining("503") });

    Object.assign(t.env, { TWILIO_ACCOUNT_SID: "", TWILIO_AUTH_TOKEN: "" });
    const off = await checkProviderWebhooks(t.svc, new Date());
    expect(off.find((w) => w.provider === "twilio")).toMatchObject({ outcome: "unavailable" });
  });
});

describe("X's webhook (CRC round trip)", () => {
  it("asks X to check /hooks/x on every run, passes while X's checks arrive and X says valid, fails when one does not arrive", async () => {
    const { t, control } = xEnv();
    const hook = await control("webhook", { url: `${PUBLIC}/hooks/x` });
    const start = Date.now();
    const minutes = (m: number) => new Date(start + m * 60_000);

    const first = await checkProviderWebhooks(t.svc, minutes(0));
    expect(first.find((w) => w.provider === "x")).toMatchObject({ outcome: "verified" });
    const state = await control("state");
    expect(state.crc_requests).toEqual([{ id: hook.id, at: expect.any(String) }]);

    // X sends its CRC; the Worker answers it right and records that it did.
    expect(await crcFromX(t)).toBe(true);
    expect((await findCheck(env.DB, "social:x:crc"))?.lastVerifiedAt).toBeTruthy();
    const second = await checkProviderWebhooks(t.svc, minutes(15));
    expect(second.find((w) => w.provider === "x")).toMatchObject({ outcome: "verified" });
    expect((await findCheck(env.DB, "webhooks:x"))?.detail).toMatchObject({ webhookId: hook.id, valid: true, answeredAt: expect.any(String), askedAt: minutes(15).toISOString() });

    // Asked again at the second run, and no CRC reaches the Worker before the third: it fails.
    const third = await checkProviderWebhooks(t.svc, minutes(30));
    expect(third.find((w) => w.provider === "x")).toMatchObject({ outcome: "failed", detail: expect.stringContaining("no check of X's has reached it since") });
    expect((await findCheck(env.DB, "webhooks:x"))?.lastError).toContain("no check of X's has reached it since");
    expect((await control("state")).crc_requests).toHaveLength(3);
  });

  it("counts a CRC answered just before the request: answers are recorded once a minute (npm start's own CRC, then the canary's)", async () => {
    const { t, control } = xEnv();
    await control("webhook", { url: `${PUBLIC}/hooks/x` });
    expect(await crcFromX(t)).toBe(true); // recorded
    await checkProviderWebhooks(t.svc, new Date()); // asks; X's CRC follows within the minute ...
    expect(await crcFromX(t)).toBe(true); // ... answered, but not recorded again
    const next = await checkProviderWebhooks(t.svc, new Date(Date.now() + 15 * 60_000));
    expect(next.find((w) => w.provider === "x")).toMatchObject({ outcome: "verified" });
  });

  it("fails when X marks the webhook invalid, and when X has none for this Worker", async () => {
    const { t, control } = xEnv();
    const hook = await control("webhook", { url: `${PUBLIC}/hooks/x` });
    await control("webhook-valid", { id: hook.id, valid: false });
    const invalid = await checkProviderWebhooks(t.svc, new Date());
    expect(invalid.find((w) => w.provider === "x")).toMatchObject({ outcome: "failed", detail: expect.stringContaining(`X marks its webhook ${hook.id} for ${PUBLIC}/hooks/x invalid`) });

    // Another deployment, whose webhook X has for another address.
    await forgetRoundTrips();
    const other = xEnv();
    await other.control("webhook", { url: "https://old-status.example/hooks/x" });
    const missing = await checkProviderWebhooks(other.t.svc, new Date());
    expect(missing.find((w) => w.provider === "x")).toMatchObject({ outcome: "failed", detail: `X has no webhook for ${PUBLIC}/hooks/x (its webhooks point at https://old-status.example/hooks/x): X pushes nothing here` });
    expect((await other.control("state")).crc_requests).toEqual([]);
  });

  it("fails with X's own error when X refuses (a revoked bearer token), and is not driven without one", async () => {
    const { t, control } = xEnv();
    await control("webhook", { url: `${PUBLIC}/hooks/x` });
    await script("x", "/2/webhooks", [{ status: 401, body: { title: "Unauthorized", type: "about:blank", status: 401, detail: "Unauthorized" } }]);
    const refused = await checkProviderWebhooks(t.svc, new Date());
    expect(refused.find((w) => w.provider === "x")).toMatchObject({ outcome: "failed", detail: "X could not be asked about its webhook: X: GET /2/webhooks answered 401: Unauthorized" });

    Object.assign(t.env, { X_BEARER_TOKEN: "" });
    const off = await checkProviderWebhooks(t.svc, new Date());
    expect(off.find((w) => w.provider === "x")).toMatchObject({ outcome: "unavailable", detail: expect.stringContaining("X_BEARER_TOKEN is not set") });
  });

  it("cannot be made to pass by anyone sending CRCs: X's own verdict decides, and a flood writes one record a minute", async () => {
    const { t, control } = xEnv();
    const hook = await control("webhook", { url: `${PUBLIC}/hooks/x` });
    await control("webhook-valid", { id: hook.id, valid: false });
    // An attacker sends CRCs of their own: each is answered (X's CRC carries no signature) ...
    for (let i = 0; i < 20; i++) expect(await crcFromX(t)).toBe(true);
    const runs = await env.DB.prepare("SELECT COUNT(*) AS n FROM assurance_check_runs WHERE name = 'social:x:crc'").first<{ n: number }>();
    expect(runs!.n).toBe(1);
    // ... and the round trip still fails, on X's verdict.
    const result = await checkProviderWebhooks(t.svc, new Date());
    expect(result.find((w) => w.provider === "x")).toMatchObject({ outcome: "failed", detail: expect.stringContaining("invalid") });
  });
});

describe("in the canary run and what staff see", () => {
  it("a run checks the providers' webhooks; the assurance API and the doctor show each with its verdict", async () => {
    const { t, control } = xEnv();
    await control("webhook", { url: `${PUBLIC}/hooks/x` });
    const now = new Date();
    const run = await runPathCanary(t.svc, selfWorker(t.svc, now), now, { force: true });
    await t.settle();
    expect(run.webhooks.map((w) => `${w.provider}:${w.outcome}`).sort()).toEqual(["twilio:verified", "x:verified"]);

    const view = (await (await fetchWorker("/api/admin/assurance", { headers: staffHeaders() })).json()) as { canary: { webhooks: Array<{ provider: string; verdict: string; check: string }> } };
    expect(view.canary.webhooks).toEqual([
      expect.objectContaining({ provider: "twilio", verdict: "verified", check: "Twilio's IncomingPhoneNumbers: the numbers' voice and SMS webhooks point here" }),
      expect.objectContaining({ provider: "x", verdict: "verified", check: expect.stringContaining("X's CRC re-check") }),
    ]);

    await control("webhook-valid", { id: (await control("state")).webhooks[0].id, valid: false });
    await checkProviderWebhooks(t.svc, new Date());
    const doctor = (await (await fetchWorker("/api/admin/doctor", { headers: staffHeaders() })).json()) as { checks: Array<{ id: string; verdict: string; details: string[] }> };
    const assurance = doctor.checks.find((c) => c.id === "assurance")!;
    expect(assurance.verdict).toBe("fail");
    expect(assurance.details).toContainEqual(expect.stringMatching(/^x's webhooks: FAILING since .*invalid/));
  });
});
