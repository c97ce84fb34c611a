import { siteConfig } from "../../site.config";
import type { ApiError } from "./errors";
import { fetchShell, liveResponse, setText } from "./shell";

const titles: Record<number, string> = {
  400: "That request could not be read",
  401: "Sign in needed",
  403: "Not allowed",
  404: "Page not found",
  405: "Not allowed here",
  409: "Conflict",
  413: "Too large",
  415: "Unsupported format",
  429: "Too many requests",
  500: "Something went wrong",
  503: "Temporarily unavailable",
};

/**
 * An error as a page for people: the site's own 404 shell with the title and message filled
 * in. It always offers the out-of-band contacts (they are part of the shell). If even the
 * shell cannot be read, a minimal page in plain text is better than nothing.
 */
export async function renderErrorPage(env: Env, requestUrl: string, err: ApiError, requestId: string): Promise<Response> {
  const title = titles[err.status] ?? "Error";
  try {
    const shell = await fetchShell(env, requestUrl, "/404.html");
    let rewriter = new HTMLRewriter();
    rewriter = setText(rewriter, "title", `${title} · ${siteConfig.name}`);
    rewriter = setText(rewriter, "[data-slot=error-title]", title);
    rewriter = setText(rewriter, "[data-slot=error-message]", err.message);
    rewriter = setText(rewriter, "[data-slot=request-id]", requestId);
    const res = liveResponse(rewriter.transform(shell), err.status, "no-store");
    for (const [k, v] of Object.entries(err.options.headers ?? {})) res.headers.set(k, v);
    return res;
  } catch (shellError) {
    console.error("error page shell unavailable", shellError);
    const mirror = (env.MIRROR_URL || siteConfig.mirrorUrl).replace(/\/+$/, "");
    const text = `${title}\n\n${err.message}\n\nUrgent? Email ${siteConfig.contacts.urgentEmail} or call ${siteConfig.contacts.phone}.${mirror ? `\nIf this site is down, the status is also at ${mirror}/` : ""}\nRequest id: ${requestId}\n`;
    return new Response(text, {
      status: err.status,
      headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...err.options.headers },
    });
  }
}
