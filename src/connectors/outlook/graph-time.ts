import { findIana } from "windows-iana";
import type { EventBoundary, EventTimes } from "../shared/calendar.js";
import { formatInZone, isValidTimeZone, parseDateTime } from "../shared/time.js";
import type { GraphDateTimeZone, GraphEvent } from "./api.js";

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

/** Graph's all-day boundaries are midnights in the given zone; timed ones are wall times there. */
function toGraphTime(boundary: EventBoundary, timeZone: string): GraphDateTimeZone {
  return boundary.date !== undefined
    ? { dateTime: `${boundary.date}T00:00:00`, timeZone }
    : toGraphDateTime(boundary.at, timeZone);
}

export function toGraphTimes(times: Partial<EventTimes>, timeZone: string): Record<string, unknown> {
  if (!times.start) return times.end ? { end: toGraphTime(times.end, timeZone) } : {};
  return {
    start: toGraphTime(times.start, timeZone),
    ...(times.end ? { end: toGraphTime(times.end, timeZone) } : {}),
    isAllDay: times.start.date !== undefined,
  };
}

/** An existing event's boundaries: floating dates when all-day, instants otherwise. */
function fromGraphTime(time: GraphDateTimeZone, allDay: boolean): EventBoundary | undefined {
  if (allDay) return { date: time.dateTime.slice(0, 10) };
  const at = parseGraphDateTime(time);
  return at ? { at } : undefined;
}

/** An existing event's span, leaving out a boundary whose date-time cannot be read. */
export function graphEventSpan(event: GraphEvent): Partial<EventTimes> {
  const allDay = event.isAllDay === true;
  const start = fromGraphTime(event.start, allDay);
  const end = fromGraphTime(event.end, allDay);
  return { ...(start ? { start } : {}), ...(end ? { end } : {}) };
}
