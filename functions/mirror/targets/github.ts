// A GitHub Pages repository as a mirror target, through GitHub's REST API (Git database
// endpoints). One publish is one commit: the changed files go into a new tree on top of the
// branch's tree (`base_tree`), text inline as `content` (no request per file) and bytes as blobs,
// removed files as entries with `sha: null`; then a commit and a fast-forward of the branch.
// Pages deploys a commit as a whole, so readers never see half a snapshot.
//
// Token: fine-grained, only this repository, "Contents: read and write" (a classic token needs
// `public_repo`, or `repo` for a private repository). The repository must have at least one
// branch (GitHub refuses new references in an empty repository); the Pages branch itself is
// created by the first publish when missing.
import type { MirrorFile } from "../manifest.pure";
import { isText } from "../paths.pure";
import { REQUEST_TIMEOUT_MS, TargetError, type MirrorTarget, type WriteResult } from "./types";

export interface GitHubSettings {
  /** https://api.github.com, or a fake in tests. */
  api: string;
  /** "owner/name". */
  repo: string;
  branch: string;
  token: string;
}

interface TreeEntry {
  path: string;
  mode: "100644";
  type: "blob";
  sha?: string | null;
  content?: string;
}

const API_VERSION = "2022-11-28";

export function githubTarget(settings: GitHubSettings): MirrorTarget {
  const api = settings.api.replace(/\/+$/, "");
  const repoPath = `/repos/${settings.repo.split("/").map(encodeURIComponent).join("/")}`;
  const branchPath = settings.branch.split("/").map(encodeURIComponent).join("/");
  let requests = 0;

  async function call(method: string, path: string, body?: unknown, accept = "application/vnd.github+json"): Promise<Response> {
    requests++;
    try {
      return await fetch(`${api}${repoPath}${path}`, {
        method,
        headers: {
          accept,
          authorization: `Bearer ${settings.token}`,
          "x-github-api-version": API_VERSION,
          // GitHub refuses requests without a User-Agent.
          "user-agent": "outofband-status-mirror",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      throw new TargetError(`GitHub ${method} ${path}: ${err instanceof Error ? err.message : String(err)}`, 0);
    }
  }

  async function failure(method: string, path: string, res: Response): Promise<TargetError> {
    const text = await res.text().catch(() => "");
    let message = text.slice(0, 300);
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? message;
    } catch {
      // not JSON: the text as it came
    }
    // A rate limit is a 403 (or 429) saying so: retry later, as a 429.
    const limited = res.status === 429 || (res.status === 403 && (res.headers.get("x-ratelimit-remaining") === "0" || res.headers.has("retry-after")));
    return new TargetError(`GitHub ${method} ${path}: ${res.status} ${message}`, limited ? 429 : res.status);
  }

  async function json<T>(method: string, path: string, body?: unknown, okStatus: number[] = [200, 201]): Promise<T> {
    const res = await call(method, path, body);
    if (!okStatus.includes(res.status)) throw await failure(method, path, res);
    return (await res.json()) as T;
  }

  async function headOfBranch(): Promise<{ commit: string; tree: string } | null> {
    const res = await call("GET", `/git/ref/heads/${branchPath}`);
    if (res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    if (!res.ok) throw await failure("GET", `/git/ref/heads/${branchPath}`, res);
    const ref = (await res.json()) as { object: { sha: string } };
    const commit = await json<{ sha: string; tree: { sha: string } }>("GET", `/git/commits/${ref.object.sha}`);
    return { commit: commit.sha, tree: commit.tree.sha };
  }

  async function entryOf(file: MirrorFile): Promise<TreeEntry> {
    if (isText(file.contentType)) {
      try {
        return { path: file.key, mode: "100644", type: "blob", content: new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(file.body) };
      } catch {
        // not valid UTF-8 after all: send it as bytes
      }
    }
    const blob = await json<{ sha: string }>("POST", "/git/blobs", { content: toBase64(file.body), encoding: "base64" });
    return { path: file.key, mode: "100644", type: "blob", sha: blob.sha };
  }

  async function commitOnce(files: readonly MirrorFile[], remove: readonly string[], message: string): Promise<"done" | "moved"> {
    const head = await headOfBranch();
    let removals = remove;
    if (head && remove.length > 0) {
      // GitHub refuses to delete a path the tree does not have: drop those (removed by hand).
      const tree = await json<{ tree: Array<{ path: string }> }>("GET", `/git/trees/${head.tree}?recursive=1`);
      const present = new Set(tree.tree.map((e) => e.path));
      removals = remove.filter((key) => present.has(key));
    }
    const entries: TreeEntry[] = [];
    for (const file of files) entries.push(await entryOf(file));
    for (const key of head ? removals : []) entries.push({ path: key, mode: "100644", type: "blob", sha: null });
    const tree = await json<{ sha: string }>("POST", "/git/trees", head ? { base_tree: head.tree, tree: entries } : { tree: entries });
    if (head && tree.sha === head.tree) return "done";
    const commit = await json<{ sha: string }>("POST", "/git/commits", { message, tree: tree.sha, parents: head ? [head.commit] : [] });
    if (!head) {
      await json("POST", "/git/refs", { ref: `refs/heads/${settings.branch}`, sha: commit.sha });
      return "done";
    }
    const res = await call("PATCH", `/git/refs/heads/${branchPath}`, { sha: commit.sha, force: false });
    // 422: not a fast-forward. Someone committed meanwhile (a break-glass post): start again on top.
    if (res.status === 422) {
      await res.body?.cancel();
      return "moved";
    }
    if (!res.ok) throw await failure("PATCH", `/git/refs/heads/${branchPath}`, res);
    await res.body?.cancel();
    return "done";
  }

  return {
    name: "github",
    layout: "files",
    requestPerFile: false,
    description: `GitHub ${settings.repo}@${settings.branch}`,
    async read(key) {
      const path = `/contents/${key.split("/").map(encodeURIComponent).join("/")}?ref=${encodeURIComponent(settings.branch)}`;
      const res = await call("GET", path, undefined, "application/vnd.github.raw+json");
      if (res.status === 404) {
        await res.body?.cancel();
        return null;
      }
      if (!res.ok) throw await failure("GET", path, res);
      return new Uint8Array(await res.arrayBuffer());
    },
    async write(files, remove, message): Promise<WriteResult> {
      requests = 0;
      if ((await commitOnce(files, remove, message)) === "moved" && (await commitOnce(files, remove, message)) === "moved") {
        throw new TargetError(`GitHub ${settings.repo}@${settings.branch} kept moving while publishing; will try again`, 409);
      }
      return { requests };
    },
  };
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
