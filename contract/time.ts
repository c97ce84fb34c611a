// Time vocabulary shared by the on-call configuration, the monitors' schedules and the site.
import { z } from "zod";

/** Zones already found valid: building an Intl formatter is the costly part of parsing. */
const knownTimeZones = new Set<string>();

function isTimeZone(tz: string): boolean {
  if (knownTimeZones.has(tz)) return true;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
  } catch {
    return false;
  }
  knownTimeZones.add(tz);
  return true;
}

/** An IANA timezone name, e.g. Europe/Amsterdam. */
export const TimeZone = z.string().min(1).max(64).refine(isTimeZone, "Use an IANA timezone name such as Europe/Amsterdam.");
