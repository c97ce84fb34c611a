// A website for the HTTP check (the company's server, standing in):
//   /target/ok               200, a page that says "Welcome to Example Hosting"
//   /target/error-page       200, but the page says "Database error"
//   /target/status/{code}    that status
//   /target/redirect         301 to /target/ok
//   /target/slow/{ms}        200 after {ms} milliseconds
//   /target/seq/{id}/{a,b,c} the nth request to this exact path answers the nth status of the
//                            list (the last one repeats): an outage and its recovery, per test
import type { ProviderFake, ScriptedResponse } from "./types";

const page = (text: string) => `<!doctype html><title>Example Hosting</title><h1>${text}</h1>`;
const seen = new Map<string, number>();

export const targetFake: ProviderFake = {
  name: "target",
  prefix: "/target",
  respond(req): ScriptedResponse {
    const path = req.path.split("?")[0]!;
    const html = { "content-type": "text/html; charset=utf-8" };
    if (path === "/ok") return { status: 200, body: page("Welcome to Example Hosting"), headers: html };
    if (path === "/error-page") return { status: 200, body: page("Database error: could not connect"), headers: html };
    if (path === "/redirect") return { status: 301, body: "", headers: { location: "/target/ok" } };
    const status = /^\/status\/(\d{3})$/.exec(path);
    if (status) return { status: Number(status[1]), body: page(`Status ${status[1]}`), headers: html };
    const slow = /^\/slow\/(\d{1,5})$/.exec(path);
    if (slow) return { status: 200, body: page("Welcome to Example Hosting"), headers: html, delayMs: Number(slow[1]) };
    const seq = /^\/seq\/[\w-]+\/([\d,]+)$/.exec(path);
    if (seq) {
      const codes = seq[1]!.split(",").map(Number);
      const n = seen.get(path) ?? 0;
      seen.set(path, n + 1);
      const code = codes[Math.min(n, codes.length - 1)]!;
      return { status: code, body: page(code < 400 ? "Welcome to Example Hosting" : `Status ${code}`), headers: html };
    }
    return { status: 404, body: page("Not found"), headers: html };
  },
};
