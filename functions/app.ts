// The app factory: one place that installs request ids, security headers, the error hook and
// the 404/405 handling, then mounts each capability's routes. Shared by the Worker entry and
// the tests.
import { Hono, type Context } from "hono";
import { ackRoutes } from "./alerts/ack-routes";
import { alertStaffRoutes } from "./alerts/staff-routes";
import { twilioPagingRoutes } from "./alerts/twilio-routes";
import { assuranceRoutes } from "./assurance/routes";
import { renderConsoleError } from "./console/layout";
import { consoleRoutes } from "./console/routes";
import { healthRoutes } from "./health/routes";
import { importRoutes } from "./imports/routes";
import { heartbeatRoutes, monitorRoutes } from "./monitors/routes";
import { fileRoutes } from "./files/routes";
import { inboundEmailRoutes } from "./email/routes";
import { inboxRoutes } from "./inbox/routes";
import { mirrorRoutes } from "./mirror/routes";
import { oncallRoutes } from "./oncall/routes";
import { phoneRoutes } from "./phone/routes";
import { ApiError, errorBody, toApiError } from "./platform/errors";
import { renderErrorPage } from "./platform/error-pages";
import { requestId } from "./platform/request-id";
import { contentSecurityPolicy, securityHeaders } from "./platform/security-headers";
import { services } from "./platform/services-middleware";
import { runJob } from "./queue/consumer";
import type { AppEnv } from "./platform/types";
import { reportApiRoutes } from "./reports/api-routes";
import { reportFormRoutes } from "./reports/form-routes";
import { reporterRoutes } from "./reports/reporter-routes";
import { socialRoutes } from "./social/routes";
import { staffRoutes } from "./staff/routes";
import { statusAdminRoutes } from "./status/admin-routes";
import { reportSignalRoutes } from "./status/report-signal-routes";
import { statusApiRoutes } from "./status/api-routes";
import { statusEmbedRoutes } from "./status/embed-routes";
import { statusFeedRoutes } from "./status/feed-routes";
import { statusPageRoutes } from "./status/page-routes";
import { subscriberStaffRoutes } from "./subscribers/staff-routes";
import { subscribeRoutes } from "./subscribers/routes";

/** Route files, mounted in order (staff authentication first). Adding one is one line here. */
const capabilities = [
  healthRoutes,
  staffRoutes,
  assuranceRoutes,
  statusPageRoutes,
  statusApiRoutes,
  statusFeedRoutes,
  statusEmbedRoutes,
  statusAdminRoutes,
  reportSignalRoutes,
  ackRoutes,
  twilioPagingRoutes,
  phoneRoutes,
  alertStaffRoutes,
  oncallRoutes,
  reportFormRoutes,
  reportApiRoutes,
  reporterRoutes,
  inboxRoutes,
  inboundEmailRoutes,
  fileRoutes,
  monitorRoutes,
  heartbeatRoutes,
  socialRoutes,
  consoleRoutes,
  subscribeRoutes,
  subscriberStaffRoutes,
  importRoutes,
  mirrorRoutes,
];

/** Paths whose errors are answered as JSON; everything else is a page for people. */
function wantsJson(req: Request): boolean {
  const path = new URL(req.url).pathname;
  if (/^\/(api|hooks|heartbeat)\//.test(path) || path === "/healthz") return true;
  const accept = req.headers.get("accept") ?? "";
  return accept.includes("application/json") && !accept.includes("text/html");
}

/** The one place an error becomes a response: JSON for APIs, the site's error page for people. */
async function errorResponse(thrown: unknown, c: Context<AppEnv>): Promise<Response> {
  const err = toApiError(thrown);
  const id = c.get("requestId") ?? crypto.randomUUID();
  if (err.code === "internal") console.error(`request ${id} failed`, thrown);
  if (wantsJson(c.req.raw)) {
    const res = c.json(errorBody(err, id), err.status as 400);
    for (const [k, v] of Object.entries(err.options.headers ?? {})) res.headers.set(k, v);
    res.headers.set("Cache-Control", "no-store");
    return res;
  }
  // The console's own errors in the console's shell (with its navigation when signed in).
  if (/^\/admin(?:\/|$)/.test(new URL(c.req.url).pathname)) return renderConsoleError(c.env, c.req.url, err, id, c.get("staff") ?? null);
  return renderErrorPage(c.env, c.req.url, err, id);
}

export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use("*", requestId());
  app.use("*", securityHeaders());
  app.use("*", contentSecurityPolicy());
  // Jobs dispatched by a request (a new report's fan-out, its first pages) run in the same
  // invocation after the answer, with their queued copies as the safety net.
  app.use("*", services(runJob));

  for (const routes of capabilities) app.route("/", routes);

  // A known path with another method is 405 with Allow, not 404.
  const methodsByPath = new Map<string, Set<string>>();
  for (const route of app.routes) {
    if (route.method === "ALL" || route.path.includes("*")) continue;
    const methods = methodsByPath.get(route.path) ?? new Set<string>();
    methods.add(route.method);
    if (route.method === "GET") methods.add("HEAD");
    methodsByPath.set(route.path, methods);
  }
  for (const [path, methods] of methodsByPath) {
    app.all(path, () => {
      throw new ApiError("method_not_allowed", `This address accepts ${[...methods].join(", ")} only.`, {
        headers: { Allow: [...methods].join(", ") },
      });
    });
  }

  // Answered, not thrown: a throw from the not-found handler skips the middleware above it,
  // and the 404 would go out without its security headers.
  app.notFound((c) => errorResponse(new ApiError("not_found", "There is nothing at this address."), c));
  app.onError((thrown, c) => errorResponse(thrown, c));
  return app;
}
