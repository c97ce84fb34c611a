// On-call in the console: who is on call now and next per rotation (the schedule functions
// behind `npm run oncall -- now` and GET /api/admin/oncall/schedule), the next two weeks with
// their gaps, "take over now" (an override, as POST /api/admin/oncall/rotations/{id}/overrides
// makes), and the doctor's verdicts.
import { Hono } from "hono";
import * as z from "zod";
import { hasScope } from "../../contract/staff";
import { addOverride } from "../oncall/overrides";
import { runDoctor, type DoctorReport } from "../oncall/doctor";
import { doctorInputFromEnv } from "../oncall/doctor-input";
import { loadActiveConfig, type StoredConfig } from "../oncall/queries";
import { onCallAt, shiftsBetween, type Shift } from "../oncall/schedule";
import { ApiError } from "../platform/errors";
import { html, type SafeHtml } from "../platform/html";
import type { AppEnv, StaffPrincipal } from "../platform/types";
import { requireScope } from "../staff/auth";
import { findMember } from "../staff/queries";
import { checkForm, formOf } from "./forms";
import { ago, csrfField, flashFrom, redirect, renderConsolePage, tag, time } from "./layout";

const DAY_MS = 86_400_000;

export interface ShiftView {
  personId: string;
  person: string;
  start: string;
  end: string;
  source: Shift["source"];
  note: string | null;
}

export interface RotationNow {
  id: string;
  name: string;
  timezone: string;
  members: Array<{ id: string; name: string }>;
  now: ShiftView | null;
  next: ShiftView | null;
  shifts: ShiftView[];
  gaps: Array<{ start: string; end: string }>;
}

/** Every rotation: who now, who next, and the shifts of the next `days` days. */
export function rotationsNow(stored: StoredConfig, now: Date, days = 14): RotationNow[] {
  const names = new Map(stored.config.people.map((p) => [p.id, p.name]));
  const view = (s: Shift): ShiftView => ({
    personId: s.personId,
    person: names.get(s.personId) ?? s.personId,
    start: s.start.toISOString(),
    end: s.end.toISOString(),
    source: s.source,
    note: s.note ?? null,
  });
  const until = new Date(now.getTime() + days * DAY_MS);
  return stored.config.rotations.map((r) => {
    const current = onCallAt(r, now);
    const shifts = shiftsBetween(r, now, until).map(view);
    const next = shifts.find((s) => Date.parse(s.start) > now.getTime()) ?? null;
    const gaps: Array<{ start: string; end: string }> = [];
    let cursor = now.getTime();
    for (const s of shifts) {
      if (Date.parse(s.start) > cursor) gaps.push({ start: new Date(cursor).toISOString(), end: s.start });
      cursor = Math.max(cursor, Date.parse(s.end));
    }
    if (cursor < until.getTime()) gaps.push({ start: new Date(cursor).toISOString(), end: until.toISOString() });
    return {
      id: r.id,
      name: r.name ?? r.id,
      timezone: r.timezone,
      members: [...new Set(r.members)].map((id) => ({ id, name: names.get(id) ?? id })),
      now: current ? view(current) : null,
      next,
      shifts,
      gaps,
    };
  });
}

/** One line per rotation, for the dashboard. */
export function rotationSummary(rotations: RotationNow[], now: Date): SafeHtml {
  if (rotations.length === 0) return html`<p class="empty">No rotations in the on-call document.</p>`;
  return html`<ul class="items">${rotations.map(
    (r) => html`<li class="item" data-tone="${r.now ? "ok" : "bad"}">
      <h3>${r.name}</h3>
      <p>${r.now ? html`Now: <strong>${r.now.person}</strong>${r.now.source === "override" ? html` ${tag("override", "info")}` : ""} until ${time(r.now.end)} (${ago(r.now.end, now)})` : html`<strong>Nobody is on call now.</strong>`}</p>
      <p class="meta">${r.next ? html`Next: ${r.next.person} from ${time(r.next.start)}` : "Nobody next in the coming two weeks."}</p>
    </li>`,
  )}</ul>`;
}

const verdictTone = { pass: "ok", warn: "warn", fail: "bad" } as const;

export function doctorView(report: DoctorReport, compact: boolean): SafeHtml {
  const checks = compact ? report.checks.filter((ch) => ch.verdict !== "pass") : report.checks;
  return html`<p>Overall: ${tag(report.verdict.toUpperCase(), verdictTone[report.verdict])} <span class="muted small">checked ${time(report.checkedAt)}${report.configVersion ? `, configuration version ${report.configVersion}` : ""}</span></p>
    ${checks.length === 0 ? html`<p class="empty">Every check passes.</p>` : ""}
    <ul class="items">${checks.map(
      (ch) => html`<li class="item" data-tone="${verdictTone[ch.verdict]}">
        <h3>${ch.title} ${tag(ch.verdict, verdictTone[ch.verdict])}</h3>
        ${ch.details.length > 0 ? html`<ul>${ch.details.map((d) => html`<li>${d}</li>`)}</ul>` : ""}
      </li>`,
    )}</ul>`;
}

async function doctorReport(env: Env): Promise<DoctorReport> {
  let stored: StoredConfig | null | { error: string };
  try {
    stored = await loadActiveConfig(env.DB);
  } catch (err) {
    stored = { error: err instanceof Error ? err.message : String(err) };
  }
  return runDoctor(doctorInputFromEnv(env, stored, new Date()));
}

const durations = [
  { value: "shift", label: "until the end of the current shift" },
  { value: "1h", label: "for 1 hour" },
  { value: "4h", label: "for 4 hours" },
  { value: "12h", label: "for 12 hours" },
  { value: "24h", label: "for 24 hours" },
] as const;

const TakeOver = z.object({
  person: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "Choose who takes over."),
  duration: z.enum(durations.map((d) => d.value) as ["shift", "1h", "4h", "12h", "24h"], "Choose for how long."),
  note: z
    .string()
    .max(200, "Keep the note under 200 characters.")
    .transform((v) => v.replace(/[\u0000-\u001f\u007f]/g, " ").trim())
    .optional(),
});

function takeOverForm(staff: StaffPrincipal, r: RotationNow, defaultPerson: string | null): SafeHtml {
  const chosen = defaultPerson && r.members.some((m) => m.id === defaultPerson) ? defaultPerson : (r.members[0]?.id ?? "");
  const id = (suffix: string) => `${r.id}-${suffix}`;
  return html`<form class="console-form" method="post" action="/admin/oncall/rotations/${r.id}/take-over">
    ${csrfField(staff)}
    <div class="field">
      <label for="${id("person")}">Who takes over</label>
      <select id="${id("person")}" name="person">${r.members.map((m) => html`<option value="${m.id}"${m.id === chosen ? html` selected` : ""}>${m.name}</option>`)}</select>
    </div>
    <div class="field">
      <label for="${id("duration")}">How long</label>
      <select id="${id("duration")}" name="duration">${durations.map((d) => html`<option value="${d.value}">${d.label}</option>`)}</select>
    </div>
    <div class="field">
      <label for="${id("note")}">Note <span class="req">(optional)</span></label>
      <input type="text" id="${id("note")}" name="note" maxlength="200" placeholder="e.g. I take tonight" />
    </div>
    <p class="buttons"><button type="submit" class="button">Take over now</button></p>
  </form>`;
}

function rotationView(staff: StaffPrincipal, r: RotationNow, defaultPerson: string | null, now: Date): SafeHtml {
  const canTakeOver = hasScope(staff.scopes, "oncall:override");
  return html`<section class="card">
    <h2>${r.name} <span class="muted small">(${r.timezone})</span></h2>
    <dl class="kv">
      <div><dt>Now</dt><dd>${r.now ? html`<strong>${r.now.person}</strong> until ${time(r.now.end)} (${ago(r.now.end, now)})${r.now.source === "override" ? html` ${tag("override", "info")}${r.now.note ? ` ${r.now.note}` : ""}` : ""}` : html`<strong>Nobody</strong>`}</dd></div>
      <div><dt>Next</dt><dd>${r.next ? html`${r.next.person} from ${time(r.next.start)}` : "nobody in the next two weeks"}</dd></div>
      <div><dt>Gaps (14 days)</dt><dd>${r.gaps.length === 0 ? "none" : html`${tag(`${r.gaps.length} gap(s)`, "bad")} ${r.gaps.map((g) => html`${time(g.start)} to ${time(g.end)}; `)}`}</dd></div>
    </dl>
    <details class="more"><summary>Shifts of the next two weeks</summary>
      <ul>${r.shifts.map((s) => html`<li>${s.person}: ${time(s.start)} to ${time(s.end)}${s.source === "override" ? html` ${tag("override", "info")}` : ""}</li>`)}</ul>
    </details>
    ${canTakeOver ? html`<h3>Take over now</h3>${takeOverForm(staff, r, defaultPerson)}` : ""}
  </section>`;
}

export const oncallConsoleRoutes = new Hono<AppEnv>()
  .get("/admin/oncall", async (c) => {
    const staff = c.get("staff");
    const now = new Date();
    const [stored, doctor, member] = await Promise.all([
      loadActiveConfig(c.env.DB, { lenient: true }),
      doctorReport(c.env),
      staff.memberId ? findMember(c.env.DB, staff.memberId) : null,
    ]);
    const rotations = stored ? rotationsNow(stored, now) : [];
    const main = html`<h1>On-call</h1>
      ${stored ? html`<p class="muted">Configuration version ${stored.version}, stored ${time(stored.createdAt)} by ${stored.createdBy}. Change people, rotations and policies with <code>npm run oncall -- push</code>.</p>` : html`<p>No on-call configuration yet: <code>npm run oncall -- push oncall.json</code>.</p>`}
      <div class="grid2">
        <div>${rotations.map((r) => rotationView(staff, r, member?.oncallPersonId ?? null, now))}</div>
        <section><h2>The doctor</h2>${doctorView(doctor, false)}</section>
      </div>`;
    return renderConsolePage(c.env, c.req.url, { title: "On-call", nav: "oncall", staff, main, flash: flashFrom(c.req.url) });
  })
  .post("/admin/oncall/rotations/:id/take-over", requireScope("oncall:override"), async (c) => {
    const staff = c.get("staff");
    const now = new Date();
    const parsed = checkForm(TakeOver, Object.fromEntries(formOf(c)));
    if (!parsed.ok) throw new ApiError("validation_failed", Object.values(parsed.errors)[0] ?? "Check the form.", { fields: parsed.errors });
    const stored = await loadActiveConfig(c.env.DB);
    const rotation = stored ? rotationsNow(stored, now).find((r) => r.id === c.req.param("id")) : undefined;
    if (!rotation) throw new ApiError("not_found", "There is no such rotation.");
    if (!rotation.members.some((m) => m.id === parsed.value.person)) throw new ApiError("validation_failed", "Choose someone from this rotation.", { fields: { person: "Not in this rotation." } });
    const hours = { "1h": 1, "4h": 4, "12h": 12, "24h": 24 } as const;
    const end =
      parsed.value.duration === "shift"
        ? rotation.now && rotation.now.personId !== parsed.value.person
          ? Date.parse(rotation.now.end)
          : now.getTime() + 12 * 3_600_000
        : now.getTime() + hours[parsed.value.duration] * 3_600_000;
    const note = parsed.value.note || `Taken over in the console by ${staff.name}`;
    await addOverride(
      c.env.DB,
      rotation.id,
      { person: parsed.value.person, start: now.toISOString(), end: new Date(Math.max(end, now.getTime() + 60_000)).toISOString(), note },
      staff,
      now,
    );
    return redirect("/admin/oncall?done=took-over");
  });
