// A local stand-in for Twilio's REST API, started by `npm start` (like the ntfy stand-in), so
// the hotline and the SMS and voice pages work offline. It answers with the very fake the
// Worker tests use (functions/channels/twilio/fake-api.ts: the same shapes), plus:
//   POST /__local/recordings/{RE...}   a WAV to serve as that recording (`npm run phone -- call`)
// and it writes each SMS and call the Worker sends to .wrangler/tmp/twilio-<port>/*.jsonl, where
// a newcomer sees the pages that would have gone out. Nothing leaves the machine.
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { standInServer } from "./stand-in.mjs";
import { join } from "node:path";
import { createTwilioApiFake } from "../../functions/channels/twilio/fake-api.ts";

const MAX_BODY = 32 * 1024 * 1024;

/** Where `npm run phone` finds the stand-in of the server on `port`. */
export function localTwilioInfoPath(root, port) {
  return join(root, ".wrangler", `local-twilio-${port}.json`);
}

export function startLocalTwilio({ dir, publicUrl, infoPath }) {
  mkdirSync(dir, { recursive: true });
  const recordings = new Map();
  const fake = createTwilioApiFake({
    publicUrl,
    recordings,
    defaultRecordingSeconds: 3,
    onSend: (resource, form, sid) => {
      const entry = { sid, at: new Date().toISOString(), to: form.To, from: form.From, ...(resource === "Messages" ? { body: form.Body } : { twiml: form.Twiml }) };
      appendFileSync(join(dir, resource === "Messages" ? "messages.jsonl" : "calls.jsonl"), JSON.stringify(entry) + "\n");
    },
  });
  const tooLarge = (res) => reply(res, { status: 413, body: { code: 21617, message: "Request too large", status: 413 } });
  const server = standInServer(MAX_BODY, tooLarge, (req, res, body) => {
    const url = new URL(req.url ?? "/", "http://local");
    const register = /^\/__local\/recordings\/(RE[0-9a-f]{32})$/.exec(url.pathname);
    if (register && req.method === "POST") {
      recordings.set(register[1], new Uint8Array(body));
      return reply(res, { status: 204 });
    }
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]));
    reply(res, fake.respond({ provider: "twilio", method: req.method ?? "GET", path: `${url.pathname}${url.search}`, headers, body: body.toString("utf8"), at: new Date().toISOString() }));
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const url = `http://127.0.0.1:${server.address().port}`;
      if (infoPath) writeFileSync(infoPath, JSON.stringify({ url, dir }) + "\n");
      resolve({ url, server });
    }),
  );
}

function reply(res, answer) {
  if (answer.body instanceof Uint8Array) {
    res.writeHead(answer.status, { "content-type": "application/octet-stream", "content-length": String(answer.body.byteLength), ...answer.headers });
    return res.end(Buffer.from(answer.body));
  }
  res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
  res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
}
