// The mirror's settings from variables by name: the Worker's Env, or the process environment of
// the break-glass CLI on a laptop (the same names, so one document explains both). A target
// whose address is empty is off; a target with an address but no credentials is on and fails
// loudly (assurance, doctor), never silently.
import { siteConfig } from "../../site.config";
import { DEFAULT_UPLOADS_PER_PUBLISH } from "./publish";
import { githubTarget, type GitHubSettings } from "./targets/github";
import { s3Target, type S3Settings } from "./targets/s3";
import type { MirrorTarget } from "./targets/types";

export interface MirrorSettings {
  /** The mirror's public address, without a trailing slash ("" when there is none). */
  mirrorUrl: string;
  /** The live site's public address. */
  liveUrl: string;
  s3: S3Settings | null;
  github: GitHubSettings | null;
  /** Files one publish sends at most to S3 (publish.ts); more go in the publishes that follow. */
  uploadsPerPublish: number;
}

type Vars = Partial<Record<string, unknown>>;

function text(vars: Vars, name: string): string {
  const value = vars[name];
  return typeof value === "string" ? value.trim() : "";
}

export function mirrorSettings(vars: Vars): MirrorSettings {
  const s3Url = text(vars, "MIRROR_S3_URL");
  const repo = text(vars, "MIRROR_GITHUB_REPO");
  const uploads = Number(text(vars, "MIRROR_UPLOADS_PER_PUBLISH"));
  return {
    uploadsPerPublish: Number.isInteger(uploads) && uploads > 0 ? uploads : DEFAULT_UPLOADS_PER_PUBLISH,
    mirrorUrl: (text(vars, "MIRROR_URL") || siteConfig.mirrorUrl).replace(/\/+$/, ""),
    liveUrl: text(vars, "PUBLIC_URL").replace(/\/+$/, ""),
    s3: s3Url
      ? {
          url: s3Url,
          region: text(vars, "MIRROR_S3_REGION") || "us-east-1",
          accessKeyId: text(vars, "MIRROR_S3_ACCESS_KEY_ID"),
          secretAccessKey: text(vars, "MIRROR_S3_SECRET_ACCESS_KEY"),
        }
      : null,
    github: repo
      ? {
          api: text(vars, "MIRROR_GITHUB_API") || "https://api.github.com",
          repo,
          branch: text(vars, "MIRROR_GITHUB_BRANCH") || "gh-pages",
          token: text(vars, "MIRROR_GITHUB_TOKEN"),
        }
      : null,
  };
}

/** What is wrong with the settings, one sentence each (the doctor prints them). */
export function settingsProblems(settings: MirrorSettings): string[] {
  const problems: string[] = [];
  if (settings.s3) {
    if (!/^https?:\/\/[^/]+/.test(settings.s3.url)) problems.push(`MIRROR_S3_URL "${settings.s3.url}" is not an http(s) address.`);
    if (!settings.s3.accessKeyId || !settings.s3.secretAccessKey) problems.push("MIRROR_S3_URL is set but MIRROR_S3_ACCESS_KEY_ID or MIRROR_S3_SECRET_ACCESS_KEY is not (wrangler secret put).");
  }
  if (settings.github) {
    if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(settings.github.repo)) problems.push(`MIRROR_GITHUB_REPO "${settings.github.repo}" is not "owner/name".`);
    if (!settings.github.token) problems.push("MIRROR_GITHUB_REPO is set but MIRROR_GITHUB_TOKEN is not (wrangler secret put).");
  }
  return problems;
}

/** The configured targets. */
export function targetsOf(settings: MirrorSettings): MirrorTarget[] {
  const targets: MirrorTarget[] = [];
  if (settings.s3) targets.push(s3Target(settings.s3));
  if (settings.github) targets.push(githubTarget(settings.github));
  return targets;
}
