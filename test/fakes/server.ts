// One loopback HTTP server for every provider we cannot reach from here. Each provider fake
// speaks the real request/response shapes of its provider (test/fakes/providers.ts lists
// them; an on-call channel's fake lives in its folder). Tests drive it over HTTP (from inside
// workerd):
//   GET  /__requests?provider=NAME   what the Worker sent (method, path, headers, body)
//   GET  /__providers                the names and path prefixes of the fakes
//   POST /__script {provider, match?, responses:[{status, body, headers, delayMs}]}  next
//        answers; with `match`, only for requests whose path or body contains it, so a test
//        scripts its own requests and not another file's
//   POST /__reset                    forget requests and scripts
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { providerFakes } from "./providers";
import type { RecordedRequest, ScriptedResponse } from "./types";

export type { ProviderFake, RecordedRequest, ScriptedResponse } from "./types";

export async function startFakeProviderServer(): Promise<{ url: string; close(): Promise<void> }> {
  const requests: RecordedRequest[] = [];
  /** Scripted answers per provider, each for any request or only those containing `match`. */
  const scripts = new Map<string, Array<{ match: string | null; response: ScriptedResponse }>>();

  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const url = new URL(req.url ?? "/", "http://fake");
    if (url.pathname === "/__requests") {
      const provider = url.searchParams.get("provider");
      return send(res, { status: 200, body: requests.filter((r) => !provider || r.provider === provider) });
    }
    if (url.pathname === "/__providers") {
      return send(res, { status: 200, body: providerFakes.map((f) => ({ name: f.name, prefix: f.prefix })) });
    }
    if (url.pathname === "/__script" && req.method === "POST") {
      const { provider, match, responses } = JSON.parse(body) as { provider: string; match?: string; responses: ScriptedResponse[] };
      scripts.set(provider, [...(scripts.get(provider) ?? []), ...responses.map((response) => ({ match: match ?? null, response }))]);
      return send(res, { status: 204 });
    }
    if (url.pathname === "/__reset" && req.method === "POST") {
      requests.length = 0;
      scripts.clear();
      return send(res, { status: 204 });
    }
    const fake = providerFakes.find((f) => url.pathname.startsWith(f.prefix));
    if (!fake) return send(res, { status: 404, body: { error: `no fake provider at ${url.pathname}` } });
    const recorded: RecordedRequest = {
      provider: fake.name,
      method: req.method ?? "GET",
      path: url.pathname.slice(fake.prefix.length) + url.search,
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")])),
      body,
      at: new Date().toISOString(),
    };
    requests.push(recorded);
    const queue = scripts.get(fake.name) ?? [];
    const next = queue.findIndex((s) => s.match === null || recorded.path.includes(s.match) || recorded.body.includes(s.match));
    const scripted = next >= 0 ? queue.splice(next, 1)[0]!.response : undefined;
    const answer = scripted ?? fake.respond(recorded);
    if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
    send(res, answer);
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, answer: ScriptedResponse): void {
  if (res.destroyed) return;
  if (answer.body instanceof Uint8Array) {
    // Bytes (a recording): sent as they are, with the fake's content type.
    res.writeHead(answer.status, { "content-type": "application/octet-stream", "content-length": String(answer.body.byteLength), ...answer.headers });
    res.end(Buffer.from(answer.body));
    return;
  }
  const isText = typeof answer.body === "string";
  const headers = { "content-type": isText ? "text/plain" : "application/json", ...answer.headers };
  res.writeHead(answer.status, headers);
  res.end(answer.body === undefined ? undefined : isText ? (answer.body as string) : JSON.stringify(answer.body));
}
