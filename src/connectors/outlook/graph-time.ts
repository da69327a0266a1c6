import { formatInZone, isValidTimeZone, parseIso, zonedTimeToInstant } from "../shared/time.js";
import type { GraphDateTimeZone } from "./api.js";

/**
 * Windows zone names Exchange commonly returns, mapped to IANA (from CLDR's windowsZones, the
 * "001" territory). Graph accepts IANA names on input, so only reading needs this.
 */
const WINDOWS_ZONES: Readonly<Record<string, string>> = {
  "Dateline Standard Time": "Etc/GMT+12",
  "Hawaiian Standard Time": "Pacific/Honolulu",
  "Alaskan Standard Time": "America/Anchorage",
  "Pacific Standard Time": "America/Los_Angeles",
  "US Mountain Standard Time": "America/Phoenix",
  "Mountain Standard Time": "America/Denver",
  "Central Standard Time": "America/Chicago",
  "Eastern Standard Time": "America/New_York",
  "Atlantic Standard Time": "America/Halifax",
  "E. South America Standard Time": "America/Sao_Paulo",
  UTC: "UTC",
  "Coordinated Universal Time": "UTC",
  "GMT Standard Time": "Europe/London",
  "Greenwich Standard Time": "Atlantic/Reykjavik",
  "W. Europe Standard Time": "Europe/Berlin",
  "Romance Standard Time": "Europe/Paris",
  "Central Europe Standard Time": "Europe/Budapest",
  "Central European Standard Time": "Europe/Warsaw",
  "E. Europe Standard Time": "Europe/Chisinau",
  "FLE Standard Time": "Europe/Kiev",
  "GTB Standard Time": "Europe/Bucharest",
  "Israel Standard Time": "Asia/Jerusalem",
  "Russian Standard Time": "Europe/Moscow",
  "Arabian Standard Time": "Asia/Dubai",
  "India Standard Time": "Asia/Kolkata",
  "Nepal Standard Time": "Asia/Kathmandu",
  "SE Asia Standard Time": "Asia/Bangkok",
  "China Standard Time": "Asia/Shanghai",
  "Singapore Standard Time": "Asia/Singapore",
  "Tokyo Standard Time": "Asia/Tokyo",
  "Korea Standard Time": "Asia/Seoul",
  "AUS Eastern Standard Time": "Australia/Sydney",
  "New Zealand Standard Time": "Pacific/Auckland",
};

/** The IANA zone for a Graph `timeZone` value, or undefined when it is unknown. */
export function graphZoneToIana(name: string): string | undefined {
  const mapped = WINDOWS_ZONES[name];
  if (mapped) return mapped;
  if (/^tzone:\/\/Microsoft\/Utc$/i.test(name)) return "UTC";
  return isValidTimeZone(name) ? name : undefined;
}

/**
 * The instant a Graph date-time denotes. An unknown zone name is read as UTC, which is what Graph
 * returns without a `Prefer: outlook.timezone` header.
 */
export function parseGraphDateTime(value: GraphDateTimeZone): Date | undefined {
  const parsed = parseIso(value.dateTime);
  if (!parsed) return undefined;
  if (parsed.offsetMinutes !== undefined) {
    const { year, month, day, hour, minute, second, millisecond } = parsed.wall;
    return new Date(
      Date.UTC(year, month - 1, day, hour, minute, second, millisecond) - parsed.offsetMinutes * 60_000,
    );
  }
  return zonedTimeToInstant(parsed.wall, graphZoneToIana(value.timeZone) ?? "UTC");
}

/** A Graph date-time for `instant` as a wall time in the IANA `timeZone`. */
export function toGraphDateTime(instant: Date, timeZone: string): GraphDateTimeZone {
  return { dateTime: formatInZone(instant, timeZone).slice(0, 19), timeZone };
}
