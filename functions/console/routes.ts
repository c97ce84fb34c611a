// The staff console at /admin: every page and form, behind one guard. A request reaches a
// console route only with a session (auth.ts: cookie, or Cloudflare Access), except the sign-in
// and invitation paths; every write also passes the Origin check and the session's CSRF token.
// Roles are checked per route by requireScope, exactly as on the staff API.
import { Hono } from "hono";
import type { AppEnv } from "../platform/types";
import { requireConsoleSession, requireCsrf, requireSameOrigin } from "../staff/auth";
import { assurancePanelRoutes } from "./assurance-panel";
import { dashboardRoutes } from "./dashboard-routes";
import { incidentConsoleRoutes } from "./incident-routes";
import { oncallConsoleRoutes } from "./oncall-routes";
import { peopleConsoleRoutes } from "./people-routes";
import { reportConsoleRoutes } from "./report-routes";
import { isPublicConsolePath, signInRoutes } from "./signin-routes";

const session = requireConsoleSession(isPublicConsolePath);
const sameOrigin = requireSameOrigin();
const csrf = requireCsrf();

export const consoleRoutes = new Hono<AppEnv>()
  .use("/admin/*", session)
  .use("/admin/*", async (c, next) => {
    // Public paths check their own origin and form token (signin-routes.ts).
    if (isPublicConsolePath(new URL(c.req.url).pathname)) return next();
    return sameOrigin(c, async () => {
      await csrf(c, next);
    });
  })
  .route("/", signInRoutes)
  .route("/", dashboardRoutes)
  .route("/", assurancePanelRoutes)
  .route("/", incidentConsoleRoutes)
  .route("/", reportConsoleRoutes)
  .route("/", oncallConsoleRoutes)
  .route("/", peopleConsoleRoutes);
