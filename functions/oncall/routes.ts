// Staff API of on-call configuration: read and replace the configuration, see who is on call,
// add an override ("I take tonight"), run the doctor, and send a test page to one person.
// Reading needs a scope (oncall:read for the schedule and the doctor, oncall:write for the
// configuration itself), and only admin sees contact details unmasked (redact.pure.ts).
import { Hono } from "hono";
import * as z from "zod";
import { OncallConfig, Override, type ChannelType } from "./config";
import { siteConfig } from "../../site.config";
import { assuranceDoctorCheck } from "../assurance/doctor-check";
import { watchDoctorCheck, watchView } from "../assurance/watch/view";
import { recordCheckFailure, recordCheckSuccess } from "../assurance/queries";
import { channels } from "../channels/registry";
import type { AlertMessage } from "../channels/types";
import type { StaffScope } from "../../contract/staff";
import { parseWith, readJson } from "../platform/body";
import { ApiError } from "../platform/errors";
import type { AppEnv } from "../platform/types";
import { requireScope } from "../staff/auth";
import { auditStatement } from "../staff/queries";
import { mirrorDoctorCheck } from "../mirror/doctor";
import { runDoctor, worst } from "./doctor";
import { doctorInputFromEnv, providerSetupFindings } from "./doctor-input";
import { loadActiveConfig, serializeConfig, type StoredConfig } from "./queries";
import { activeConfigOr404, addOverride, storeConfig } from "./overrides";
import { maskedFields, MASK, redact, secretsOf } from "./redact.pure";
import { gapsBetween, onCallAt, shiftsBetween, LOOKAHEAD_DAYS, type Shift } from "./schedule";
import { DAY } from "../platform/zoned-time.pure";

/** The configuration is a few KB; this leaves room for hundreds of people and overrides. */
const MAX_CONFIG_BYTES = 512 * 1024;
const TEST_PAGE_TIMEOUT_MS = 10_000;

/** Addresses paged directly when storage fails: personal addresses, masked like the configuration's. */
function fallbackAddresses(env: Env): string[] {
  return (env.FALLBACK_PAGE_TO ?? "").split(",").map((a) => a.trim()).filter(Boolean);
}

/** What a staff member may see of `body`: everything with admin, contact details masked without. */
function forReader<T>(scopes: readonly StaffScope[], env: Env, body: T, config: OncallConfig | null): T {
  if (scopes.includes("admin")) return body;
  return redact(body, secretsOf(config, fallbackAddresses(env)));
}

function configJson(stored: StoredConfig, scopes: readonly StaffScope[], env: Env) {
  const masked = !scopes.includes("admin");
  return {
    version: stored.version,
    // Without the secrets, a hash of the whole document would let low-entropy values (a phone
    // number with its middle masked) be found by trying them.
    sha256: masked ? null : stored.sha256,
    created_at: stored.createdAt,
    created_by: stored.createdBy,
    masked,
    config: forReader(scopes, env, stored.config, stored.config),
  };
}

function shiftJson(s: Shift) {
  return { person: s.personId, start: s.start.toISOString(), end: s.end.toISOString(), source: s.source, ...(s.note ? { note: s.note } : {}) };
}

const DaysQuery = z.coerce.number().int().min(1).max(62).default(LOOKAHEAD_DAYS);

export const oncallRoutes = new Hono<AppEnv>()
  .get("/api/admin/oncall", requireScope("oncall:write"), async (c) => {
    c.header("Cache-Control", "no-store");
    return c.json(configJson(await activeConfigOr404(c.env.DB), c.get("staff").scopes, c.env));
  })
  .put("/api/admin/oncall", requireScope("oncall:write"), async (c) => {
    const document = await readJson(c.req.raw, z.unknown(), MAX_CONFIG_BYTES);
    const masked = maskedFields(document);
    if (masked.length > 0) {
      throw new ApiError("validation_failed", `${masked[0]}: this value is masked (${MASK}): the document was read without the admin scope. Put the real value back.`, {
        fields: Object.fromEntries(masked.map((path) => [path, "Masked value: put the real one back."])),
      });
    }
    const config = parseWith(OncallConfig, document);
    const staff = c.get("staff");
    const detail = { people: config.people.length, rotations: config.rotations.length, policies: config.policies.length };
    const result = await storeConfig(c.env.DB, config, staff, { action: "oncall.replace", detail }, new Date());
    return c.json(result, result.changed ? 201 : 200);
  })
  .get("/api/admin/oncall/schedule", requireScope("oncall:read"), async (c) => {
    c.header("Cache-Control", "no-store");
    const parsedDays = DaysQuery.safeParse(c.req.query("days"));
    if (!parsedDays.success) throw new ApiError("validation_failed", "days must be a whole number from 1 to 62.", { fields: { days: "1 to 62" } });
    const stored = await activeConfigOr404(c.env.DB);
    const now = new Date();
    const until = new Date(now.getTime() + parsedDays.data * DAY);
    const schedule = {
      version: stored.version,
      at: now.toISOString(),
      until: until.toISOString(),
      rotations: stored.config.rotations.map((r) => {
        const current = onCallAt(r, now);
        return {
          id: r.id,
          name: r.name ?? r.id,
          timezone: r.timezone,
          on_call: current ? shiftJson(current) : null,
          shifts: shiftsBetween(r, now, until).map(shiftJson),
          gaps: gapsBetween(r, now, until).map((g) => ({ start: g.start.toISOString(), end: g.end.toISOString() })),
        };
      }),
    };
    return c.json(forReader(c.get("staff").scopes, c.env, schedule, stored.config));
  })
  .post("/api/admin/oncall/rotations/:id/overrides", requireScope("oncall:override"), async (c) => {
    const override = await readJson(c.req.raw, Override);
    const result = await addOverride(c.env.DB, c.req.param("id"), override, c.get("staff"), new Date());
    return c.json(result, 201);
  })
  .get("/api/admin/doctor", requireScope("oncall:read"), async (c) => {
    c.header("Cache-Control", "no-store");
    let stored: StoredConfig | null | { error: string };
    try {
      stored = await loadActiveConfig(c.env.DB);
    } catch (err) {
      stored = { error: err instanceof Error ? err.message : String(err) };
    }
    const now = new Date();
    const oncall = runDoctor({ ...doctorInputFromEnv(c.env, stored, now), providerSetup: await providerSetupFindings(c.env) });
    // The mirror's own check (functions/mirror): when Cloudflare is down, it is all customers have.
    // The path canary's verdicts (functions/assurance/doctor-check.ts): a failing path fails.
    const checks = [...oncall.checks, await mirrorDoctorCheck(c.env, now), await assuranceDoctorCheck(c.env.DB, c.env, now), watchDoctorCheck(await watchView(c.env.DB, c.env, now))];
    const report = { ...oncall, checks, verdict: worst(checks.map((ch) => ch.verdict)) };
    return c.json(forReader(c.get("staff").scopes, c.env, report, stored && "config" in stored ? stored.config : null));
  })
  .post("/api/admin/oncall/people/:id/test-page", requireScope("oncall:write"), async (c) => {
    const stored = await activeConfigOr404(c.env.DB);
    const personId = c.req.param("id");
    const person = stored.config.people.find((p) => p.id === personId);
    if (!person) throw new ApiError("not_found", `There is no person "${personId}" in the on-call configuration.`);
    const now = new Date();
    const staff = c.get("staff");
    const message: AlertMessage = {
      alertId: "test",
      ackCode: "TEST",
      what: "Test page",
      component: null,
      subject: "Test page",
      reportCount: 1,
      reports: "A test page",
      firstLabel: "It says",
      firstText: `This is a test page for ${person.name}, sent by ${staff.name}. Nothing is wrong; no action is needed.`,
      urgency: "normal",
      ackUrl: `${c.env.PUBLIC_URL}/`,
      ackToken: "",
      title: `Test page for ${person.name} from ${siteConfig.name}`,
      text: `TEST from ${siteConfig.name}: this is a test page for ${person.name}. Nothing is wrong.`,
      reporter: null,
    };
    // Every method at once, as a real page does; one failing provider never holds up the others.
    const results = await Promise.all(
      person.contactMethods.map(async (method, index) => {
        const adapter = channels[method.type] as (typeof channels)[ChannelType];
        const started = Date.now();
        try {
          const sent = await adapter.send(
            { settings: c.env, deliveryId: `test:${person.id}:${index}:${crypto.randomUUID()}`, purpose: "page", timeoutMs: TEST_PAGE_TIMEOUT_MS },
            method as never,
            message,
          );
          await recordCheckSuccess(c.env.DB, `channel:${method.type}`, new Date(), { via: "test-page", person: person.id });
          return { index, type: method.type, ok: true, provider_id: sent.providerId, ms: Date.now() - started };
        } catch (err) {
          const error = err instanceof Error ? err.message : String(err);
          await recordCheckFailure(c.env.DB, `channel:${method.type}`, new Date(), error);
          return { index, type: method.type, ok: false, error, ms: Date.now() - started };
        }
      }),
    );
    await auditStatement(c.env.DB, { actor: staff.name, actorId: staff.actorId, action: "oncall.test_page", target: person.id, detail: results, now }).run();
    // A provider's error may quote the address it was given (a 404 page echoing the path).
    return c.json(forReader(staff.scopes, c.env, { person: person.id, ok: results.every((r) => r.ok), results }, stored.config));
  });
