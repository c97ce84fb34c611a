// Local stand-ins for X, Mastodon and Bluesky, started by `npm start` so the social channels
// work offline, as local mail and ntfy do. They are the same loopback fakes the tests use
// (functions/social/<network>/fake.ts, their real request and response shapes), served on one
// port, each network under its prefix with one world called "local":
//   X_API_BASE      = <url>/x/local
//   MASTODON_URL    = <url>/mastodon/local
//   BLUESKY_SERVICE = <url>/bluesky/local
// Like X itself, the X stand-in pushes a mention or DM made through its control endpoint to the
// Worker's webhook (/hooks/x), signed with the consumer secret, after checking the CRC answer.
// The webhook is registered with it (GET /2/webhooks lists it); when the path canary asks for a
// re-check (PUT /2/webhooks/:id), it sends the CRC to the Worker and marks the webhook valid or
// not by the answer, as X does.
// `npm run x -- mention "..."` (scripts/social.mjs) uses the control endpoints. Nothing leaves
// the machine.
import "./ts.mjs";
import { createHmac, randomBytes } from "node:crypto";
import { standInServer } from "./stand-in.mjs";

const x = await import("../../functions/social/x/fake.ts");
const mastodon = await import("../../functions/social/mastodon/fake.ts");
const bluesky = await import("../../functions/social/bluesky/fake.ts");

const MAX_BODY = 1024 * 1024;
export const LOCAL_X_USER_ID = "1500000000000000001";

const fakes = [
  { name: "x", prefix: "/x", respond: x.respondX },
  { name: "mastodon", prefix: "/mastodon", respond: mastodon.respondMastodon },
  { name: "bluesky", prefix: "/bluesky", respond: bluesky.respondBluesky },
];

const sign = (secret, text) => `sha256=${createHmac("sha256", secret).update(text).digest("base64")}`;

/**
 * Starts the stand-ins. `worker` is the Worker's base URL and `xSecret` the consumer secret it
 * has: with both, X's mentions and DMs are pushed to /hooks/x as well as being there to poll.
 */
export function startLocalSocial({ port = 0, worker = null, xSecret = null } = {}) {
  const world = x.worldOf("local", LOCAL_X_USER_ID);
  const hook = worker && xSecret ? x.registerWebhook(world, `${worker}/hooks/x`) : null;
  const tooLarge = (res) => answer(res, { status: 413, body: { error: "request entity too large" } });
  const server = standInServer(MAX_BODY, tooLarge, (req, res, body) => {
    const url = new URL(req.url ?? "/", "http://local");
    const fake = fakes.find((f) => url.pathname.startsWith(`${f.prefix}/`));
    if (!fake) return answer(res, { status: 404, body: { error: `nothing at ${url.pathname}` } });
    const recorded = {
      provider: fake.name,
      method: req.method ?? "GET",
      path: url.pathname.slice(fake.prefix.length) + url.search,
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")])),
      body: body.toString("utf8"),
      at: new Date().toISOString(),
    };
    let result;
    try {
      result = fake.respond(recorded);
    } catch (err) {
      result = { status: 400, body: { error: String(err) } };
    }
    answer(res, result);
    // X pushes what happens to its webhook; the others are polled.
    const control = /^\/local\/__control\/(mention|dm)$/.exec(recorded.path);
    if (fake.name === "x" && control && result.status === 201 && worker && xSecret) {
      pushToWebhook(worker, xSecret, result.body.activity_event).catch((err) => console.error(`local X: webhook delivery failed: ${err.message}`));
    }
    if (fake.name === "x" && hook && recorded.method === "PUT" && recorded.path === `/local/2/webhooks/${hook.id}` && result.status === 200) {
      checkCrc(worker, xSecret)
        .then((ok) => (hook.valid = ok))
        .catch((err) => {
          hook.valid = false;
          console.error(`local X: the CRC check of /hooks/x failed: ${err.message}`);
        });
    }
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${server.address().port}`, server })));
}

/** Checks the Worker's CRC answer, as X does when a webhook is registered. */
export async function checkCrc(worker, xSecret) {
  const token = randomBytes(16).toString("base64url");
  const res = await fetch(`${worker}/hooks/x?crc_token=${token}`);
  const body = await res.json().catch(() => ({}));
  return res.ok && body.response_token === sign(xSecret, token);
}

async function pushToWebhook(worker, xSecret, event) {
  const body = JSON.stringify(event);
  const res = await fetch(`${worker}/hooks/x`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-twitter-webhooks-signature": sign(xSecret, body) },
    body,
  });
  if (!res.ok) throw new Error(`/hooks/x answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
}

function answer(res, { status, body, headers = {} }) {
  const isText = typeof body === "string";
  res.writeHead(status, { "content-type": isText ? "text/plain" : "application/json", ...headers });
  res.end(body === undefined ? undefined : isText ? body : JSON.stringify(body));
}
