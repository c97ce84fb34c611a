// What points people to the mirror when the live site fails them: the embed's second address,
// the 404 and error pages, the confirmation mail.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../functions/app";
import { ApiError } from "../../functions/platform/errors";
import { renderErrorPage } from "../../functions/platform/error-pages";
import { siteConfig } from "../../site.config";
import { BASE, fetchWorker } from "../helpers";
import { fakeMail, postApi, uniqueReport } from "../reports/helpers";

describe("fallbacks to the mirror", () => {
  it("the embed asks the live site first, then the mirror (both filled in where it is served)", async () => {
    const script = await (await fetchWorker("/embed.js")).text();
    expect(script).toContain(`["${env.PUBLIC_URL}", "${siteConfig.mirrorUrl}"]`);
    expect(script).toContain("new AbortController()");
    expect(script).not.toContain("%%");
  });

  it("the 404 page names the mirror, and a deployment's own MIRROR_URL over the built-in one", async () => {
    const page = await (await fetchWorker("/no-such-page")).text();
    expect(page).toContain(`<a href="${siteConfig.mirrorUrl}/">status.example.net</a> (a copy on another provider)`);
    const res = await createApp().fetch(new Request(`${BASE}/no-such-page`), { ...env, MIRROR_URL: "http://127.0.0.1:9999" });
    expect(res.status).toBe(404);
    const local = await res.text();
    expect(local).toContain('<a href="http://127.0.0.1:9999/">127.0.0.1:9999</a>');
  });

  it("the error page of last resort (no shell) names the mirror too", async () => {
    const noAssets = { ...env, ASSETS: { fetch: async () => new Response("gone", { status: 500 }) } as unknown as Fetcher };
    const res = await renderErrorPage(noAssets, `${BASE}/x`, new ApiError("unavailable", "Down."), "req-1");
    expect(await res.text()).toContain(`If this site is down, the status is also at ${siteConfig.mirrorUrl}/`);
  });

  it("the confirmation mail names the mirror among the ways to reach us", async () => {
    const mail = fakeMail();
    const res = await postApi(uniqueReport(), { overrides: { EMAIL: mail.binding } });
    expect(res.status).toBe(201);
    expect(mail.sent[0]!.text).toContain(`Status if our status page is down: ${siteConfig.mirrorUrl}/`);
  });
});
