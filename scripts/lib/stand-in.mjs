// The HTTP server every local stand-in of `npm start` runs on (ntfy, Twilio, X/Mastodon/Bluesky):
// each request's body is read whole, at most `maxBody` bytes, before `handle(req, res, body)`
// runs; past the cap the rest is dropped and `tooLarge(res)` answers as the provider would.
import { createServer } from "node:http";

export function standInServer(maxBody, tooLarge, handle) {
  return createServer((req, res) => {
    const chunks = [];
    let size = 0;
    req.on("data", (c) => {
      size += c.length;
      if (size <= maxBody) chunks.push(c);
    });
    req.on("end", () => (size > maxBody ? tooLarge(res) : handle(req, res, Buffer.concat(chunks))));
  });
}
