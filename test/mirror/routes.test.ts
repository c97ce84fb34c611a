// The mirror's staff routes: every one refuses a caller without a token (401) or without the
// "status:write" scope (403); publish and snapshot answer what the CLI prints.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../functions/app";
import { createStaffToken } from "../../functions/staff/tokens";
import { BASE, fetchWorker, staffHeaders, unique } from "../helpers";
import { makeComponents } from "../status/fixtures";
import { envWith, newBucket } from "./helpers";

const ROUTES: Array<[string, string]> = [
  ["GET", "/api/admin/mirror"],
  ["POST", "/api/admin/mirror/publish"],
  ["GET", "/api/admin/mirror/snapshot"],
];

async function tokenWith(...scopes: Array<"status:write" | "reports:read" | "oncall:read">) {
  const { secret } = await createStaffToken(env.DB, { name: unique("staff"), scopes, now: new Date() });
  return { authorization: `Bearer ${secret}` };
}

async function call(bindings: Env, method: string, path: string, headers: Record<string, string> = staffHeaders()): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await createApp().fetch(new Request(new URL(path, BASE), { method, headers }), bindings, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe("the mirror's staff routes", () => {
  it.each(ROUTES)("%s %s without a token is 401, and publishes or renders nothing", async (method, path) => {
    const bucket = await newBucket();
    const res = await call(envWith(env, bucket.settings), method, path, {});
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
    expect(await bucket.requests()).toEqual([]);
  });

  it.each(ROUTES)("%s %s with a forged token is 401", async (method, path) => {
    const res = await fetchWorker(path, { method, headers: { authorization: "Bearer oob_forged_0123456789abcdef" } });
    expect(res.status).toBe(401);
  });

  it.each(ROUTES)("%s %s without the status:write scope is 403", async (method, path) => {
    const bucket = await newBucket();
    const res = await call(envWith(env, bucket.settings), method, path, await tokenWith("reports:read", "oncall:read"));
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("forbidden");
    expect(await bucket.requests()).toEqual([]);
  });

  it("POST /api/admin/mirror/publish with no target configured is 409 saying what to set", async () => {
    const res = await fetchWorker("/api/admin/mirror/publish", { method: "POST", headers: staffHeaders() });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain("MIRROR_S3_URL");
  });

  it("publishes now and says what it sent; GET shows the target's state", async () => {
    await makeComponents(1);
    const bucket = await newBucket();
    const bindings = envWith(env, bucket.settings);
    const res = await call(bindings, "POST", "/api/admin/mirror/publish", await tokenWith("status:write"));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { version: number; results: Array<{ target: string; ok: boolean; uploaded: string[] }>; snapshot: { files: number } };
    expect(body.results[0]).toMatchObject({ target: "s3", ok: true });
    expect(body.results[0]!.uploaded.at(-1)).toBe("index.html");
    const state = (await (await call(bindings, "GET", "/api/admin/mirror")).json()) as { mirror_url: string; problems: string[]; targets: Array<{ target: string; published_version: number; failures: number }> };
    expect(state.mirror_url).toBe(bucket.settings.mirrorUrl);
    expect(state.problems).toEqual([]);
    expect(state.targets).toEqual([expect.objectContaining({ target: "s3", published_version: body.version, failures: 0 })]);
  });

  it("GET says when a target lacks its credentials", async () => {
    const bucket = await newBucket({ accessKeyId: "", secretAccessKey: "" });
    const state = (await (await call(envWith(env, bucket.settings), "GET", "/api/admin/mirror")).json()) as { problems: string[] };
    expect(state.problems.join(" ")).toContain("MIRROR_S3_ACCESS_KEY_ID");
  });

  it("GET /api/admin/mirror/snapshot answers the files for `npm run mirror -- export`, in either layout", async () => {
    await makeComponents(1);
    const files = async (layout: string) =>
      ((await (await fetchWorker(`/api/admin/mirror/snapshot?layout=${layout}`, { headers: staffHeaders() })).json()) as { files: Array<{ key: string; content_type: string; base64: string }> }).files;
    const asFiles = await files("files");
    expect(asFiles.map((f) => f.key)).toEqual(expect.arrayContaining(["index.html", "history.html", "404.html", "api/v2/summary.json", "history.atom", "badge.svg"]));
    expect(atob(asFiles.find((f) => f.key === "index.html")!.base64)).toContain("This is a copy of");
    expect((await files("object-store")).map((f) => f.key)).toContain("history");
    const bad = await fetchWorker("/api/admin/mirror/snapshot?layout=../../etc", { headers: staffHeaders() });
    expect(bad.status).toBe(400);
  });
});
