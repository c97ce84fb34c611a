// Who is on call in a rotation, at an instant and over a window: pure functions, no I/O.
// Hand-offs are wall-clock times in the rotation's timezone, so a 09:00 hand-off is at 09:00
// local time on both sides of a daylight-saving change (the shift across it is 23 or 25 hours).
import type { Handoff, Rotation, Weekday } from "./config";
import { isLocalWhen, weekdays } from "./config";
import { instantOfWall, wallClockAt, wallOfDate, wallOfLocalDateTime, WEEK, DAY, MINUTE } from "../platform/zoned-time.pure";

/** A stretch of time one person is on call for a rotation. `end` is exclusive. */
export interface Shift {
  personId: string;
  start: Date;
  end: Date;
  /** "override" when someone took over ("I take tonight"). */
  source: "rotation" | "override";
  note?: string;
}

/** A stretch of time nobody is on call for a rotation. */
export interface Gap {
  start: Date;
  end: Date;
}

interface CompiledRotation {
  timeZone: string;
  members: string[];
  /** Hand-off points as offsets from Monday 00:00 (wall), sorted, unique. */
  points: number[];
  /** Wall value of the Monday 00:00 of the start date's week: hand-off 0 of the count. */
  anchor: number;
  /** Global index of the first hand-off (the first member takes over) and of the end. */
  firstIndex: number;
  endIndex: number | null;
  overrides: Array<{ personId: string; start: number; end: number; note?: string }>;
}

function weekdayIndex(day: Weekday): number {
  return weekdays.indexOf(day);
}

function timeOfDay(text: string): number {
  const [h, m] = text.split(":").map(Number);
  return h! * 60 * MINUTE + m! * MINUTE;
}

/** Hand-off points of one week, as offsets from Monday 00:00. */
export function handoffPoints(handoff: Handoff): number[] {
  const points: number[] = [];
  const everyDay = (at: string) => {
    for (let d = 0; d < 7; d++) points.push(d * DAY + timeOfDay(at));
  };
  if (handoff.every === "day") everyDay(handoff.at);
  else if (handoff.every === "week") points.push(weekdayIndex(handoff.day) * DAY + timeOfDay(handoff.at));
  else {
    for (const p of handoff.at) {
      if (p.day === undefined) everyDay(p.time);
      else points.push(weekdayIndex(p.day) * DAY + timeOfDay(p.time));
    }
  }
  return [...new Set(points)].sort((a, b) => a - b);
}

const floorDiv = (a: number, b: number) => Math.floor(a / b);
const mod = (a: number, b: number) => ((a % b) + b) % b;

/** Global index of the last hand-off point at or before the wall value (anchor-based). */
function lastPointAtOrBefore(r: CompiledRotation, wall: number): number {
  const rel = wall - r.anchor;
  const week = floorDiv(rel, WEEK);
  const inWeek = rel - week * WEEK;
  let count = 0;
  while (count < r.points.length && r.points[count]! <= inWeek) count++;
  return week * r.points.length + count - 1;
}

function pointWall(r: CompiledRotation, index: number): number {
  const n = r.points.length;
  return r.anchor + floorDiv(index, n) * WEEK + r.points[mod(index, n)]!;
}

function pointInstant(r: CompiledRotation, index: number): number {
  return instantOfWall(r.timeZone, pointWall(r, index));
}

/** An override's start or end: wall clock in the rotation's zone, or absolute. */
export function resolveWhen(timeZone: string, when: string): number {
  return isLocalWhen(when) ? instantOfWall(timeZone, wallOfLocalDateTime(when)) : Date.parse(when);
}

const compiled = new WeakMap<Rotation, CompiledRotation>();

function compile(rotation: Rotation): CompiledRotation {
  const cached = compiled.get(rotation);
  if (cached) return cached;
  const startWall = wallOfDate(rotation.start);
  const mondayOffset = mod(new Date(startWall).getUTCDay() - 1, 7);
  const r: CompiledRotation = {
    timeZone: rotation.timezone,
    members: rotation.members,
    points: handoffPoints(rotation.handoff),
    anchor: startWall - mondayOffset * DAY,
    firstIndex: 0,
    endIndex: null,
    overrides: (rotation.overrides ?? []).map((o) => ({
      personId: o.person,
      start: resolveWhen(rotation.timezone, o.start),
      end: resolveWhen(rotation.timezone, o.end),
      ...(o.note === undefined ? {} : { note: o.note }),
    })),
  };
  // The first hand-off on or after the start date (wall 00:00), likewise for the end.
  r.firstIndex = lastPointAtOrBefore(r, startWall - 1) + 1;
  if (rotation.end !== undefined) r.endIndex = lastPointAtOrBefore(r, wallOfDate(rotation.end) - 1) + 1;
  compiled.set(rotation, r);
  return r;
}

/** Index of the hand-off that began the base shift containing instant `t`. */
function shiftIndexAt(r: CompiledRotation, t: number): number {
  // The wall clock gives the index up to a daylight-saving hour; the instants settle it.
  let index = lastPointAtOrBefore(r, wallClockAt(r.timeZone, t));
  while (pointInstant(r, index + 1) <= t) index++;
  while (pointInstant(r, index) > t) index--;
  return index;
}

function memberOf(r: CompiledRotation, index: number): string | null {
  if (index < r.firstIndex) return null;
  if (r.endIndex !== null && index >= r.endIndex) return null;
  return r.members[(index - r.firstIndex) % r.members.length]!;
}

/** Who is on call for the rotation at `at` (overrides included), or null in a gap. */
export function onCallAt(rotation: Rotation, at: Date): Shift | null {
  const r = compile(rotation);
  const t = at.getTime();
  for (let i = r.overrides.length - 1; i >= 0; i--) {
    const o = r.overrides[i]!;
    if (o.start <= t && t < o.end) {
      return { personId: o.personId, start: new Date(o.start), end: new Date(o.end), source: "override", ...(o.note === undefined ? {} : { note: o.note }) };
    }
  }
  const index = shiftIndexAt(r, t);
  const personId = memberOf(r, index);
  if (personId === null) return null;
  return { personId, start: new Date(pointInstant(r, index)), end: new Date(pointInstant(r, index + 1)), source: "rotation" };
}

interface Segment {
  personId: string;
  start: number;
  end: number;
  source: Shift["source"];
  note?: string;
}

/**
 * The shifts of a rotation between `from` and `to` (clipped to that window), overrides
 * applied (a later override wins over an earlier one), in time order. Consecutive shifts of
 * the same person from the same source are merged.
 */
export function shiftsBetween(rotation: Rotation, from: Date, to: Date): Shift[] {
  const r = compile(rotation);
  const lo = from.getTime();
  const hi = to.getTime();
  if (hi <= lo) return [];
  let segments: Segment[] = [];
  for (let index = shiftIndexAt(r, lo); ; index++) {
    const start = pointInstant(r, index);
    if (start >= hi) break;
    const end = pointInstant(r, index + 1);
    const personId = memberOf(r, index);
    if (personId !== null && end > start) segments.push({ personId, start: Math.max(start, lo), end: Math.min(end, hi), source: "rotation" });
    if (r.endIndex !== null && index >= r.endIndex) break;
  }
  for (const o of r.overrides) {
    const start = Math.max(o.start, lo);
    const end = Math.min(o.end, hi);
    if (end <= start) continue;
    const kept: Segment[] = [];
    for (const s of segments) {
      if (s.end <= start || s.start >= end) kept.push(s);
      else {
        if (s.start < start) kept.push({ ...s, end: start });
        if (s.end > end) kept.push({ ...s, start: end });
      }
    }
    kept.push({ personId: o.personId, start, end, source: "override", ...(o.note === undefined ? {} : { note: o.note }) });
    segments = kept;
  }
  segments.sort((a, b) => a.start - b.start);
  const merged: Segment[] = [];
  for (const s of segments) {
    const last = merged.at(-1);
    if (last && last.end === s.start && last.personId === s.personId && last.source === s.source && last.note === s.note) last.end = s.end;
    else merged.push({ ...s });
  }
  return merged.map((s) => ({
    personId: s.personId,
    start: new Date(s.start),
    end: new Date(s.end),
    source: s.source,
    ...(s.note === undefined ? {} : { note: s.note }),
  }));
}

/** Stretches between `from` and `to` when nobody is on call for the rotation. */
export function gapsBetween(rotation: Rotation, from: Date, to: Date): Gap[] {
  const gaps: Gap[] = [];
  let cursor = from.getTime();
  for (const s of shiftsBetween(rotation, from, to)) {
    if (s.start.getTime() > cursor) gaps.push({ start: new Date(cursor), end: s.start });
    cursor = Math.max(cursor, s.end.getTime());
  }
  if (cursor < to.getTime()) gaps.push({ start: new Date(cursor), end: to });
  return gaps;
}

/** The default look-ahead of `npm run oncall -- now` and the doctor. */
export const LOOKAHEAD_DAYS = 14;

/** The shifts of the next `days` days from `from`. */
export function upcomingShifts(rotation: Rotation, from: Date, days = LOOKAHEAD_DAYS): Shift[] {
  return shiftsBetween(rotation, from, new Date(from.getTime() + days * DAY));
}
