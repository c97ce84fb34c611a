// POST /api/admin/import (scope admin): another status page's components, groups, incidents
// with their updates and maintenance, as the import document (contract/import.ts) that
// `npm run hub -- import ...` builds. Validated whole before anything is written; one D1 batch;
// audited. Answers what was created, updated and already there.
import { Hono } from "hono";
import { ImportDocument, importLimits } from "../../contract/import";
import { readJson } from "../platform/body";
import type { AppEnv } from "../platform/types";
import { requireScope } from "../staff/auth";
import { forgetVersion } from "../status/cache";
import { importDocument } from "./apply";

export const importRoutes = new Hono<AppEnv>().post("/api/admin/import", requireScope("admin"), async (c) => {
  const svc = c.get("services");
  const doc = await readJson(c.req.raw, ImportDocument, importLimits.bodyBytes);
  const summary = await importDocument(svc, doc, c.get("staff").name, new Date());
  forgetVersion(svc.db);
  c.header("Cache-Control", "no-store");
  return c.json(summary);
});
