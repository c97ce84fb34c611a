// GitHub's REST API, the parts a Pages mirror uses: the Git database (refs, commits, trees,
// blobs) and reading a file through the contents API, with GitHub's shapes and errors
// (https://docs.github.com/rest/git): 401 "Bad credentials", 403 without a User-Agent, 404
// "Not Found", 422 for a ref update that is not a fast-forward or a tree deleting a path that is
// not there. Objects get real Git ids (SHA-1 of "blob <size>\0<content>"). A repository exists
// as soon as it is named, with a `main` branch holding a README, as one made on github.com with
// "Add a README" has (GitHub refuses references in an empty repository).
//
// Tests read a branch's files at GET /github/__state/<owner>/<repo>/<branch>.
import { createHash } from "node:crypto";
import { GITHUB_TEST_TOKEN, type ProviderFake, type RecordedRequest, type ScriptedResponse } from "./types";

export const GITHUB_PREFIX = "/github";

interface Commit {
  sha: string;
  tree: string;
  parents: string[];
  message: string;
}

interface Repo {
  blobs: Map<string, Buffer>;
  /** Trees kept flat: path -> blob sha (GitHub nests them; nothing here can tell). */
  trees: Map<string, Map<string, string>>;
  commits: Map<string, Commit>;
  refs: Map<string, string>;
}

const repos = new Map<string, Repo>();

function gitSha(kind: string, content: Buffer): string {
  return createHash("sha1").update(`${kind} ${content.length}\0`).update(content).digest("hex");
}

function repoOf(name: string): Repo {
  let repo = repos.get(name);
  if (!repo) {
    repo = { blobs: new Map(), trees: new Map(), commits: new Map(), refs: new Map() };
    const readme = Buffer.from(`# ${name}\n`);
    const blob = gitSha("blob", readme);
    repo.blobs.set(blob, readme);
    const tree = storeTree(repo, new Map([["README.md", blob]]));
    const commit = storeCommit(repo, { tree, parents: [], message: "Initial commit" });
    repo.refs.set("heads/main", commit);
    repos.set(name, repo);
  }
  return repo;
}

function storeTree(repo: Repo, files: Map<string, string>): string {
  const sorted = [...files].sort(([a], [b]) => (a < b ? -1 : 1));
  const sha = gitSha("tree", Buffer.from(JSON.stringify(sorted)));
  repo.trees.set(sha, new Map(sorted));
  return sha;
}

function storeCommit(repo: Repo, c: Omit<Commit, "sha">): string {
  const sha = gitSha("commit", Buffer.from(JSON.stringify([c, repo.commits.size])));
  repo.commits.set(sha, { sha, ...c });
  return sha;
}

const error = (status: number, message: string): ScriptedResponse => ({
  status,
  body: { message, documentation_url: "https://docs.github.com/rest", status: String(status) },
});

function commitJson(name: string, c: Commit) {
  return {
    sha: c.sha,
    url: `https://api.github.com/repos/${name}/git/commits/${c.sha}`,
    message: c.message,
    tree: { sha: c.tree, url: `https://api.github.com/repos/${name}/git/trees/${c.tree}` },
    parents: c.parents.map((sha) => ({ sha, url: `https://api.github.com/repos/${name}/git/commits/${sha}` })),
  };
}

function filesAt(repo: Repo, branch: string): Map<string, string> | null {
  const head = repo.refs.get(`heads/${branch}`);
  const commit = head ? repo.commits.get(head) : undefined;
  return commit ? repo.trees.get(commit.tree)! : null;
}

function respond(req: RecordedRequest): ScriptedResponse {
  const url = new URL(req.path, "http://github.fake");
  const state = /^\/__state\/([^/]+\/[^/]+)\/(.+)$/.exec(url.pathname);
  if (state) {
    const repo = repoOf(decodeURIComponent(state[1]!));
    const files = filesAt(repo, decodeURIComponent(state[2]!));
    const commits = [...repo.commits.values()];
    return {
      status: 200,
      body: {
        files: files ? Object.fromEntries([...files].map(([p, sha]) => [p, repo.blobs.get(sha)!.toString("base64")])) : null,
        messages: commits.map((c) => c.message),
      },
    };
  }
  if (!req.headers["user-agent"]) return error(403, "Request forbidden by administrative rules. Please make sure your request has a User-Agent header.");
  if (req.headers.authorization !== `Bearer ${GITHUB_TEST_TOKEN}`) return error(401, "Bad credentials");
  const m = /^\/repos\/([^/]+\/[^/]+)(\/.*)$/.exec(url.pathname);
  if (!m) return error(404, "Not Found");
  const name = decodeURIComponent(m[1]!);
  const repo = repoOf(name);
  const path = m[2]!;
  let body: Record<string, unknown> = {};
  try {
    body = req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {};
  } catch {
    return error(400, "Problems parsing JSON");
  }

  let r: RegExpExecArray | null;
  if (req.method === "GET" && (r = /^\/git\/ref\/(heads\/.+)$/.exec(path))) {
    const sha = repo.refs.get(decodeURIComponent(r[1]!));
    if (!sha) return error(404, "Not Found");
    return { status: 200, body: { ref: `refs/${r[1]}`, object: { type: "commit", sha, url: `https://api.github.com/repos/${name}/git/commits/${sha}` } } };
  }
  if (req.method === "GET" && (r = /^\/git\/commits\/([0-9a-f]{40})$/.exec(path))) {
    const commit = repo.commits.get(r[1]!);
    return commit ? { status: 200, body: commitJson(name, commit) } : error(404, "Not Found");
  }
  if (req.method === "GET" && (r = /^\/git\/trees\/([0-9a-f]{40})$/.exec(path))) {
    const tree = repo.trees.get(r[1]!);
    if (!tree) return error(404, "Not Found");
    return { status: 200, body: { sha: r[1], truncated: false, tree: [...tree].map(([p, sha]) => ({ path: p, mode: "100644", type: "blob", sha, size: repo.blobs.get(sha)!.length })) } };
  }
  if (req.method === "POST" && path === "/git/blobs") {
    if (typeof body.content !== "string" || (body.encoding !== "base64" && body.encoding !== "utf-8")) return error(422, "Invalid request.");
    const content = Buffer.from(body.content, body.encoding === "base64" ? "base64" : "utf8");
    const sha = gitSha("blob", content);
    repo.blobs.set(sha, content);
    return { status: 201, body: { sha, url: `https://api.github.com/repos/${name}/git/blobs/${sha}` } };
  }
  if (req.method === "POST" && path === "/git/trees") {
    const base = typeof body.base_tree === "string" ? repo.trees.get(body.base_tree) : new Map<string, string>();
    if (!base) return error(422, "Invalid tree info");
    if (!Array.isArray(body.tree)) return error(422, "Invalid request.\n\n\"tree\" wasn't supplied.");
    const files = new Map(base);
    for (const entry of body.tree as Array<{ path?: string; mode?: string; type?: string; sha?: string | null; content?: string }>) {
      if (typeof entry.path !== "string" || entry.mode !== "100644" || entry.type !== "blob") return error(422, "Invalid tree info");
      if (entry.sha === null) {
        if (!files.delete(entry.path)) return error(422, `tree.path contains a malformed path component`);
      } else if (typeof entry.content === "string") {
        const content = Buffer.from(entry.content, "utf8");
        const sha = gitSha("blob", content);
        repo.blobs.set(sha, content);
        files.set(entry.path, sha);
      } else if (typeof entry.sha === "string" && repo.blobs.has(entry.sha)) files.set(entry.path, entry.sha);
      else return error(422, "Invalid tree info");
    }
    const sha = storeTree(repo, files);
    return { status: 201, body: { sha, url: `https://api.github.com/repos/${name}/git/trees/${sha}`, truncated: false, tree: [] } };
  }
  if (req.method === "POST" && path === "/git/commits") {
    if (typeof body.tree !== "string" || !repo.trees.has(body.tree) || typeof body.message !== "string") return error(422, "Invalid request.");
    const parents = Array.isArray(body.parents) ? (body.parents as string[]) : [];
    if (parents.some((p) => !repo.commits.has(p))) return error(422, "Parent SHA does not exist or is not a commit object");
    const sha = storeCommit(repo, { tree: body.tree, parents, message: body.message });
    return { status: 201, body: commitJson(name, repo.commits.get(sha)!) };
  }
  if (req.method === "POST" && path === "/git/refs") {
    const ref = typeof body.ref === "string" ? body.ref : "";
    if (!/^refs\/.+\/.+/.test(ref) || typeof body.sha !== "string" || !repo.commits.has(body.sha)) return error(422, "Invalid request.");
    const key = ref.slice("refs/".length);
    if (repo.refs.has(key)) return error(422, "Reference already exists");
    repo.refs.set(key, body.sha);
    return { status: 201, body: { ref, object: { type: "commit", sha: body.sha } } };
  }
  if (req.method === "PATCH" && (r = /^\/git\/refs\/(heads\/.+)$/.exec(path))) {
    const key = decodeURIComponent(r[1]!);
    const current = repo.refs.get(key);
    if (!current) return error(422, "Reference does not exist");
    const next = typeof body.sha === "string" ? repo.commits.get(body.sha) : undefined;
    if (!next) return error(422, "Object does not exist");
    if (body.force !== true && !next.parents.includes(current)) return error(422, "Update is not a fast forward");
    repo.refs.set(key, next.sha);
    return { status: 200, body: { ref: `refs/${key}`, object: { type: "commit", sha: next.sha } } };
  }
  if (req.method === "GET" && (r = /^\/contents\/(.+)$/.exec(path))) {
    const files = filesAt(repo, url.searchParams.get("ref") ?? "main");
    const sha = files?.get(r[1]!.split("/").map(decodeURIComponent).join("/"));
    if (!sha) return error(404, "Not Found");
    const content = repo.blobs.get(sha)!;
    if (req.headers.accept === "application/vnd.github.raw+json") return { status: 200, body: content.toString("utf8"), headers: { "content-type": "application/vnd.github.raw+json; charset=utf-8" } };
    return { status: 200, body: { type: "file", encoding: "base64", size: content.length, path: r[1], sha, content: content.toString("base64") } };
  }
  return error(404, "Not Found");
}

export const githubFake: ProviderFake = { name: "github", prefix: GITHUB_PREFIX, respond };
