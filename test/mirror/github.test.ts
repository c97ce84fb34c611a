// Publishing to a GitHub Pages repository through GitHub's REST API (the loopback fake speaks
// its Git database endpoints and errors): one commit per publish with only the changed files,
// the branch created when missing, refusals recorded and retried.
import { env } from "cloudflare:workers";
import { servicesOf } from "../helpers";
import { describe, expect, it } from "vitest";
import { publishMirror } from "../../functions/mirror/publisher";
import { fakeProviders } from "../helpers";
import { createIncident, makeComponents } from "../status/fixtures";
import { assuranceCheck, currentVersion, newRepo, publishJob, type FakeRepo } from "./helpers";

async function publish(repo: FakeRepo) {
  return publishMirror(servicesOf(), publishJob(await currentVersion(env.DB), "manual"), new Date(), repo.settings);
}

async function requestsOf(repo: FakeRepo) {
  return (await fakeProviders.requests("github")).filter((r) => r.path.startsWith(`/repos/${repo.repo}/`));
}

async function failNext(repo: FakeRepo, match: string, responses: Array<{ status: number; body: unknown; headers?: Record<string, string> }>) {
  await fetch(`${fakeProviders.url()}/__script`, { method: "POST", body: JSON.stringify({ provider: "github", match: `${repo.repo}${match}`, responses }) });
}

describe("publishing to GitHub Pages", () => {
  it("creates the Pages branch with one commit of every file, text inline, the host's extras, authenticated as GitHub asks", async () => {
    await makeComponents(1);
    const repo = newRepo();
    const run = await publish(repo);
    expect(run.results[0]).toMatchObject({ target: "github", ok: true });
    const { files, messages } = await repo.state();
    expect(Object.keys(files!).sort()).toEqual(expect.arrayContaining(["index.html", "history.html", "404.html", "_mirror/incident.html", "_mirror/manifest.json", "api/v2/summary.json", "history.atom", "favicon.svg", ".nojekyll", "CNAME"]));
    expect(Object.keys(files!)).not.toContain("README.md"); // a root commit of its own, not on main
    expect(await repo.file("CNAME")).toBe("status.example.net\n");
    expect(await repo.file("index.html")).toContain("This is a copy of");
    expect(messages.at(-1)).toMatch(/^Mirror of .*: status version \d+, synced /);

    const requests = await requestsOf(repo);
    expect(requests.map((r) => `${r.method} ${r.path.replace(`/repos/${repo.repo}`, "")}`)).toEqual([
      "GET /contents/_mirror/break-glass.json?ref=gh-pages",
      "GET /contents/_mirror/manifest.json?ref=gh-pages",
      "GET /git/ref/heads/gh-pages",
      "POST /git/trees",
      "POST /git/commits",
      "POST /git/refs",
    ]);
    for (const r of requests) {
      expect(r.headers.authorization).toBe(`Bearer ${repo.settings.github!.token}`);
      expect(r.headers["user-agent"]).toBeTruthy();
      expect(r.headers["x-github-api-version"]).toBe("2022-11-28");
    }
    const tree = JSON.parse(requests.find((r) => r.path.endsWith("/git/trees"))!.body) as { base_tree?: string; tree: Array<{ path: string; content?: string; sha?: string }> };
    expect(tree.base_tree).toBeUndefined();
    expect(tree.tree.every((e) => typeof e.content === "string")).toBe(true);
    expect(JSON.parse(requests.find((r) => r.method === "POST" && r.path.endsWith("/git/refs"))!.body)).toMatchObject({ ref: "refs/heads/gh-pages" });
  });

  it("commits only the changed files on top of the branch, and moves it by a fast-forward", async () => {
    const { ids } = await makeComponents(1);
    const repo = newRepo();
    await publish(repo);
    const seen = (await requestsOf(repo)).length;
    const id = await createIncident({ name: "A commit of its own", components: { [ids[0]!]: "major_outage" } });
    await publish(repo);
    const requests = (await requestsOf(repo)).slice(seen);
    expect(requests.at(-1)!.method).toBe("PATCH");
    expect(JSON.parse(requests.at(-1)!.body)).toMatchObject({ force: false });
    const tree = JSON.parse(requests.find((r) => r.path.endsWith("/git/trees"))!.body) as { base_tree: string; tree: Array<{ path: string }> };
    expect(tree.base_tree).toMatch(/^[0-9a-f]{40}$/);
    const paths = tree.tree.map((e) => e.path);
    expect(paths).toContain(`incidents/${id}.html`);
    expect(paths).toContain("index.html");
    expect(paths).not.toContain("favicon.svg");
    expect(paths).not.toContain(".nojekyll");
    expect(await repo.file(`incidents/${id}.html`)).toContain("A commit of its own");
    expect(await repo.file("favicon.svg")).toContain("<svg");
  });

  it("starts again on top when the branch moved meanwhile (a break-glass post), never forcing", async () => {
    await makeComponents(1);
    const repo = newRepo();
    await publish(repo);
    const seen = (await requestsOf(repo)).length;
    await failNext(repo, "/git/refs/heads/gh-pages", [{ status: 422, body: { message: "Update is not a fast forward", documentation_url: "https://docs.github.com/rest" } }]);
    const run = await publish(repo);
    expect(run.results[0]!.ok).toBe(true);
    const requests = (await requestsOf(repo)).slice(seen);
    expect(requests.filter((r) => r.method === "POST" && r.path.endsWith("/git/commits"))).toHaveLength(2);
    expect(requests.filter((r) => r.method === "PATCH").map((r) => JSON.parse(r.body).force)).toEqual([false, false]);
  });

  it("records a rate limit as a failure worth retrying, and a bad token as one that is not", async () => {
    await makeComponents(1);
    const limited = newRepo();
    await failNext(limited, "/contents/_mirror/manifest.json", [
      { status: 403, body: { message: "API rate limit exceeded for user ID 1.", documentation_url: "https://docs.github.com/rest" }, headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1900000000" } },
    ]);
    const run = await publish(limited);
    expect(run.results[0]).toMatchObject({ ok: false, retryable: true });
    expect((await assuranceCheck(env.DB, "mirror:github"))!.lastError).toContain("403 API rate limit exceeded");

    const badToken = newRepo("github_pat_wrong");
    const refused = await publish(badToken);
    expect(refused.results[0]).toMatchObject({ ok: false, retryable: false });
    expect(refused.results[0]!.error).toContain("401 Bad credentials");
  });

  it("removes a file the snapshot no longer has with a null entry, and skips one already gone", async () => {
    await makeComponents(1);
    const repo = newRepo();
    await publish(repo);
    // The manifest names two pages that are not in the snapshot; only one is in the branch.
    const api = repo.settings.github!;
    const { githubTarget } = await import("../../functions/mirror/targets/github");
    const target = githubTarget(api);
    const manifest = JSON.parse((await repo.file("_mirror/manifest.json"))!) as { files: Record<string, unknown> };
    const entry = { sha256: "0".repeat(64), size: 1, type: "text/html; charset=utf-8" };
    manifest.files["incidents/inc_gone.html"] = entry;
    manifest.files["incidents/inc_never.html"] = entry;
    const body = (t: string) => new TextEncoder().encode(t);
    await target.write(
      [
        { key: "incidents/inc_gone.html", body: body("<p>gone</p>"), contentType: "text/html", cacheControl: "", sha256: "" },
        { key: "_mirror/manifest.json", body: body(JSON.stringify(manifest)), contentType: "application/json", cacheControl: "", sha256: "" },
      ],
      [],
      "by hand",
    );
    const seen = (await requestsOf(repo)).length;
    const run = await publish(repo);
    expect(run.results[0]!.ok).toBe(true);
    const tree = JSON.parse((await requestsOf(repo)).slice(seen).find((r) => r.path.endsWith("/git/trees"))!.body) as { tree: Array<{ path: string; sha?: string | null }> };
    expect(tree.tree.filter((e) => e.sha === null).map((e) => e.path)).toEqual(["incidents/inc_gone.html"]);
    expect(await repo.file("incidents/inc_gone.html")).toBeNull();
  });
});
