// Staff API of reports as a signal (README "Assurance"): opt a component in (the page then says
// so by itself when reports pass the threshold), or show it now for one component or one alert
// with one tap (the console's dashboard posts here too). Needs "status:write": it puts words on
// the public page.
import { Hono } from "hono";
import * as z from "zod";
import { readJson } from "../platform/body";
import { ApiError } from "../platform/errors";
import type { AppEnv } from "../platform/types";
import { requireScope } from "../staff/auth";
import { forgetVersion } from "./cache";
import { findComponents, hideReportSignal, setReportSignalOptIn, showReportSignal } from "./queries";

const id = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, "Use the id as shown in the API (letters, digits, _ and -).");

export const OptInInput = z.strictObject({ opted_in: z.boolean() });

export const ShowInput = z
  .strictObject({
    component: id.optional(),
    alert: id.optional(),
    /** What the page names for an alert ("logging in to webmail"); a component is named by its name. */
    label: z.string().trim().min(2).max(80).regex(/^[^<>\r\n]*$/, "The label is plain text on one line.").optional(),
    minutes: z.number().int().min(5).max(24 * 60).default(120),
  })
  .refine((v) => (v.component ? !v.alert : !!v.alert), { message: "Give either a component or an alert." })
  .refine((v) => !v.alert || !!v.label, { message: "An alert needs a label: the words the page shows.", path: ["label"] });

async function componentName(db: D1Database, componentId: string): Promise<string> {
  const [component] = await findComponents(db, [componentId]);
  if (!component) throw new ApiError("not_found", `There is no component with id ${componentId}.`);
  return component.name;
}

export const reportSignalRoutes = new Hono<AppEnv>()
  .use("/api/admin/report-signals/*", requireScope("status:write"))
  .put("/api/admin/report-signals/components/:id", async (c) => {
    const componentId = id.safeParse(c.req.param("id"));
    if (!componentId.success) throw new ApiError("not_found", "There is no component with that id.");
    const input = await readJson(c.req.raw, OptInInput);
    await componentName(c.env.DB, componentId.data);
    await setReportSignalOptIn(c.env.DB, componentId.data, input.opted_in, new Date());
    forgetVersion(c.env.DB);
    c.header("Cache-Control", "no-store");
    return c.json({ component: componentId.data, opted_in: input.opted_in });
  })
  .post("/api/admin/report-signals/shown", async (c) => {
    const input = await readJson(c.req.raw, ShowInput);
    const now = new Date();
    const subjectKey = input.component ? `component:${input.component}` : `alert:${input.alert}`;
    const label = input.component ? await componentName(c.env.DB, input.component) : input.label!;
    const until = new Date(now.getTime() + input.minutes * 60_000);
    await showReportSignal(c.env.DB, { subjectKey, label, by: c.get("staff").name, now, until });
    forgetVersion(c.env.DB);
    c.header("Cache-Control", "no-store");
    return c.json({ subject: subjectKey, label, until: until.toISOString() }, 201);
  })
  .delete("/api/admin/report-signals/shown/:key", async (c) => {
    const removed = await hideReportSignal(c.env.DB, c.req.param("key"));
    forgetVersion(c.env.DB);
    if (!removed) throw new ApiError("not_found", "That notice is not shown.");
    c.header("Cache-Control", "no-store");
    return c.body(null, 204);
  });
