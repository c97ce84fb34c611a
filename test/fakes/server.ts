// One loopback HTTP server for every provider we cannot reach from here. Each provider fake
// lives in its own file under test/fakes/ and registers the real request/response shapes of
// its provider. Tests drive it over HTTP (from inside workerd):
//   GET  /__requests?provider=NAME   what the Worker sent (method, path, headers, body)
//   POST /__script {provider, responses:[{status, body, headers, delayMs}]}  next answers
//   POST /__reset                    forget requests and scripts
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { providerFakes } from "./providers";
import type { RecordedRequest, ScriptedResponse } from "./types";

export type { ProviderFake, RecordedRequest, ScriptedResponse } from "./types";

export async function startFakeProviderServer(): Promise<{ url: string; close(): Promise<void> }> {
  const requests: RecordedRequest[] = [];
  const scripts = new Map<string, ScriptedResponse[]>();

  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const url = new URL(req.url ?? "/", "http://fake");
    if (url.pathname === "/__requests") {
      const provider = url.searchParams.get("provider");
      return send(res, { status: 200, body: requests.filter((r) => !provider || r.provider === provider) });
    }
    if (url.pathname === "/__script" && req.method === "POST") {
      const { provider, responses } = JSON.parse(body) as { provider: string; responses: ScriptedResponse[] };
      scripts.set(provider, [...(scripts.get(provider) ?? []), ...responses]);
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
    const scripted = scripts.get(fake.name)?.shift();
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
  const isText = typeof answer.body === "string";
  const headers = { "content-type": isText ? "text/plain" : "application/json", ...answer.headers };
  res.writeHead(answer.status, headers);
  res.end(answer.body === undefined ? undefined : isText ? (answer.body as string) : JSON.stringify(answer.body));
}
