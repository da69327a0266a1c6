import { findIana } from "windows-iana";
import { formatInZone, isValidTimeZone, parseDateTime } from "../shared/time.js";
import type { GraphDateTimeZone } from "./api.js";

/** Graph's names for UTC that CLDR's Windows table (behind `windows-iana`) does not list. */
const UTC_NAMES: ReadonlySet<string> = new Set([
  "utc",
  "coordinated universal time",
  "tzone://microsoft/utc",
]);

/**
 * The IANA zone for a Graph `timeZone` value (a Windows name such as "Pacific Standard Time", or
 * IANA), or undefined when it is unknown. Graph accepts IANA names on input, so only reading needs it.
 */
export function graphZoneToIana(name: string): string | undefined {
  if (UTC_NAMES.has(name.trim().toLowerCase())) return "UTC";
  // CLDR lists the zone of the "001" territory first: the one Windows means by default.
  const [windows] = findIana(name);
  if (windows) return windows;
  return isValidTimeZone(name) ? name : undefined;
}

/**
 * The instant a Graph date-time denotes. An unknown zone name is read as UTC, which is what Graph
 * returns without a `Prefer: outlook.timezone` header.
 */
export function parseGraphDateTime(value: GraphDateTimeZone): Date | undefined {
  try {
    return parseDateTime(value.dateTime, graphZoneToIana(value.timeZone) ?? "UTC");
  } catch {
    return undefined;
  }
}

/** A Graph date-time for `instant` as a wall time in the IANA `timeZone`. */
export function toGraphDateTime(instant: Date, timeZone: string): GraphDateTimeZone {
  return { dateTime: formatInZone(instant, timeZone).slice(0, 19), timeZone };
}
