// A local stand-in for an ntfy server, started by `npm start` so the demo on-call
// configuration (email + ntfy) delivers on both channels offline, as local mail does: each
// published message is answered like ntfy.sh answers (JSON with id, time, event, topic) and
// appended to .wrangler/tmp/ntfy/<topic>.jsonl. Nothing leaves the machine.
import { appendFileSync, mkdirSync } from "node:fs";
import { standInServer } from "./stand-in.mjs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";

const MAX_BODY = 64 * 1024;

export function startLocalNtfy(dir, port = 0) {
  mkdirSync(dir, { recursive: true });
  const tooLarge = (res) => answer(res, 413, { code: 41301, http: 413, error: "request entity too large" });
  const server = standInServer(MAX_BODY, tooLarge, (req, res, body) => {
    if (req.method !== "POST" && req.method !== "PUT") return answer(res, 405, { code: 40501, http: 405, error: "method not allowed" });
    let message;
    try {
      message = JSON.parse(body.toString("utf8"));
    } catch {
      return answer(res, 400, { code: 40024, http: 400, error: "invalid request: body must be JSON" });
    }
    const topic = typeof message.topic === "string" && /^[\w-]{1,64}$/.test(message.topic) ? message.topic : null;
    if (!topic) return answer(res, 400, { code: 40009, http: 400, error: "invalid request: topic invalid" });
    const published = { id: randomBytes(6).toString("base64url"), time: Math.floor(Date.now() / 1000), event: "message", ...message, topic };
    appendFileSync(join(dir, `${topic}.jsonl`), JSON.stringify(published) + "\n");
    answer(res, 200, published);
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${server.address().port}`, server })));
}

function answer(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
