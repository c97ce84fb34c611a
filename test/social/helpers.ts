// Helpers for the social tests: an env (captured queue, recording mail, on-call providers at the
// fakes, as test/alerts/helpers.ts builds it) whose X, Mastodon and Bluesky point at a world of
// their own on the loopback fakes (functions/social/*/fake.ts), so every test owns its
// mentions, DMs, posts and cursors; and ways to drive the fakes and run the social room.
import { env } from "cloudflare:workers";
import { drain, pushConfig, testEnv, type TestEnv } from "../alerts/helpers";
import { fakeProviders, unique } from "../helpers";
import { handlePendingInbound } from "../../functions/social/inbound";
import { sendDuePosts } from "../../functions/social/outbound";
import { networkOf } from "../../functions/social/registry";
import type { NetworkName } from "../../functions/social/types";
import { socialStatusConsumer } from "../../functions/social/updates";
import type { StatusPublishedJob } from "../../contract/jobs";

export const X_SECRET = "test-x-consumer-secret";

/** One on-call person paged by mail: enough to see a report page someone. */
export async function pushSocialOncall(): Promise<void> {
  await pushConfig(
    {
      version: 1,
      people: [{ id: "sol", name: "Sol", timezone: "UTC", contactMethods: [{ type: "email", address: "sol@ops.example.test" }] }],
      policies: [{ id: "social", levels: [{ timeoutMinutes: 5, targets: [{ person: "sol" }] }] }],
      routing: { rules: [], defaultPolicy: "social" },
    },
    new Date("2026-01-01T00:00:00Z"),
  );
}

export interface SocialTestEnv extends TestEnv {
  world: string;
  xSelf: string;
  blueskyHandle: string;
}

/** A numeric X id of this test's own (the fake takes our id from the OAuth token). */
function numericId(): string {
  return `15${Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => String(b % 10)).join("")}${Date.now() % 1_000_000}`;
}

export function socialEnv(opts: { pageCeiling?: number; settings?: Partial<Env> } = {}): SocialTestEnv {
  const t = testEnv({ pageCeiling: opts.pageCeiling });
  const world = unique("w");
  const xSelf = numericId();
  const base = fakeProviders.url();
  const blueskyHandle = `status-${world.replace(/_/g, "-")}.bsky.social`;
  Object.assign(t.env, {
    X_API_BASE: `${base}/x/${world}`,
    X_CONSUMER_KEY: "test-consumer-key",
    X_CONSUMER_SECRET: X_SECRET,
    X_ACCESS_TOKEN: `${xSelf}-testaccesstoken`,
    X_ACCESS_TOKEN_SECRET: "test-access-secret",
    X_USER_ID: "",
    SOCIAL_REPORT_KEYWORDS: "",
    SOCIAL_REPLIES_PER_HOUR: "30",
    X_LINKED_REPLIES_PER_HOUR: "10",
    X_MONTHLY_SPEND_CAP_USD: "",
    MASTODON_URL: `${base}/mastodon/${world}`,
    MASTODON_ACCESS_TOKEN: "test-mastodon-token",
    MASTODON_MAX_CHARS: "500",
    BLUESKY_SERVICE: `${base}/bluesky/${world}`,
    BLUESKY_HANDLE: blueskyHandle,
    BLUESKY_APP_PASSWORD: "test-app-pass-word",
    BLUESKY_CHAT_SERVICE: "did:web:api.bsky.chat#bsky_chat",
    ...opts.settings,
  } satisfies Partial<Env>);
  return Object.assign(t, { world, xSelf, blueskyHandle });
}

const introduced = new WeakSet<SocialTestEnv>();

/** Calls a fake's control endpoint for this test's world (telling the X fake our account first). */
export async function control<T = Record<string, unknown>>(t: SocialTestEnv, network: NetworkName, action: string, body?: unknown): Promise<T> {
  if (network === "x" && action !== "self" && !introduced.has(t)) {
    introduced.add(t);
    await control(t, "x", "self", { id: t.xSelf });
  }
  const res = await fetch(`${fakeProviders.url()}/${network}/${t.world}/__control/${action}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`control ${network}/${action}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { data: T } & Record<string, unknown>) as T;
}

/** Scripts the next answers of a network's fake for this test's world (429, 5xx, ...). */
export function scriptFake(t: SocialTestEnv, network: NetworkName, responses: Array<{ status: number; body?: unknown; headers?: Record<string, string> }>, match?: string) {
  return fetch(`${fakeProviders.url()}/__script`, { method: "POST", body: JSON.stringify({ provider: network, match: match ?? t.world, responses }) });
}

/** What the network's fake received for this test's world. */
export async function fakeRequests(t: SocialTestEnv, network: NetworkName) {
  return (await fakeProviders.requests(network)).filter((r) => r.path.startsWith(`/${t.world}/`));
}

/** Handles everything stored for the network, sends what is due, and runs the fan-out. */
export async function settle(t: SocialTestEnv, network: NetworkName, now: Date): Promise<string[]> {
  const outcomes: string[] = [];
  for (let guard = 0; guard < 500; guard++) {
    const run = await handlePendingInbound(t.svc, network, now, 100);
    outcomes.push(...run.outcomes);
    if (run.outcomes.length === 0) break;
  }
  for (let guard = 0; guard < 100; guard++) {
    const run = await sendDuePosts(t.svc, networkOf(network), now);
    if (!run.more) break;
  }
  await drain(t, now);
  return outcomes;
}

/**
 * After each test: what it left unhandled (a test that only polls) must not be handled, and
 * answered in its world's place, by the next test of the file (storage is shared per file).
 */
export async function forgetLeftovers(): Promise<void> {
  await env.DB.batch([
    env.DB.prepare("UPDATE social_inbound SET state = 'done', outcome = 'left by an earlier test' WHERE state = 'pending'"),
    env.DB.prepare("UPDATE social_posts SET state = 'skipped', last_error = 'left by an earlier test' WHERE state IN ('queued','sending')"),
  ]);
}

export async function reportByReference(reference: string) {
  return env.DB.prepare("SELECT * FROM reports WHERE reference = ?1").bind(reference).first<Record<string, string | null>>();
}

export async function postsOf(network: NetworkName, where: string, ...binds: unknown[]) {
  const { results } = await env.DB.prepare(`SELECT * FROM social_posts WHERE network = ?1 AND ${where} ORDER BY created_at, seq, id`)
    .bind(network, ...binds)
    .all<Record<string, string | number | null>>();
  return results;
}

export async function inboundRow(network: NetworkName, messageId: string) {
  return env.DB.prepare("SELECT * FROM social_inbound WHERE network = ?1 AND message_id = ?2").bind(network, messageId).first<Record<string, string | null>>();
}

/**
 * Runs the social room's status.published consumer, with this test's services (its own world
 * on the fakes), on every event of the incident, in order, as the queue would (the Worker's
 * own inline run used the file's env, where no network is configured).
 */
export async function announce(t: SocialTestEnv, incidentId: string, now: Date): Promise<void> {
  const { results } = await env.DB.prepare("SELECT payload FROM status_events WHERE incident_id = ?1 ORDER BY created_at, rowid").bind(incidentId).all<{ payload: string }>();
  for (const row of results) {
    await socialStatusConsumer.handle(JSON.parse(row.payload) as StatusPublishedJob, { svc: t.svc, now, messageId: `test:${crypto.randomUUID()}`, attempts: 0 });
  }
}
