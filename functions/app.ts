// The app factory: one place that installs request ids, security headers, the error hook and
// the 404/405 handling, then mounts each capability's routes. Shared by the Worker entry and
// the tests.
import { Hono } from "hono";
import { ackRoutes } from "./alerts/ack-routes";
import { alertStaffRoutes } from "./alerts/staff-routes";
import { twilioPagingRoutes } from "./alerts/twilio-routes";
import { assuranceRoutes } from "./assurance/routes";
import { renderConsoleError } from "./console/layout";
import { consoleRoutes } from "./console/routes";
import { healthRoutes } from "./health/routes";
import { heartbeatRoutes, monitorRoutes } from "./monitors/routes";
import { fileRoutes } from "./files/routes";
import { inboxRoutes } from "./inbox/routes";
import { oncallRoutes } from "./oncall/routes";
import { ApiError, errorBody, toApiError } from "./platform/errors";
import { renderErrorPage } from "./platform/error-pages";
import { requestId } from "./platform/request-id";
import { securityHeaders } from "./platform/security-headers";
import { services } from "./platform/services-middleware";
import { runJob } from "./queue/consumer";
import type { AppEnv } from "./platform/types";
import { reportApiRoutes } from "./reports/api-routes";
import { reportFormRoutes } from "./reports/form-routes";
import { reporterRoutes } from "./reports/reporter-routes";
import { staffRoutes } from "./staff/routes";
import { statusAdminRoutes } from "./status/admin-routes";
import { statusRoutes } from "./status/routes";

/** Route files, mounted in order (staff authentication first). Adding one is one line here. */
const capabilities = [
  healthRoutes,
  staffRoutes,
  assuranceRoutes,
  statusRoutes,
  statusAdminRoutes,
  ackRoutes,
  twilioPagingRoutes,
  alertStaffRoutes,
  oncallRoutes,
  reportFormRoutes,
  reportApiRoutes,
  reporterRoutes,
  inboxRoutes,
  fileRoutes,
  monitorRoutes,
  heartbeatRoutes,
  consoleRoutes,
];

/** Paths whose errors are answered as JSON; everything else is a page for people. */
function wantsJson(req: Request): boolean {
  const path = new URL(req.url).pathname;
  if (/^\/(api|hooks|heartbeat)\//.test(path) || path === "/healthz") return true;
  const accept = req.headers.get("accept") ?? "";
  return accept.includes("application/json") && !accept.includes("text/html");
}

export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use("*", requestId());
  app.use("*", securityHeaders());
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

  app.notFound(() => {
    throw new ApiError("not_found", "There is nothing at this address.");
  });

  app.onError(async (thrown, c) => {
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
  });
  return app;
}
