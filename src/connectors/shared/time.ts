/**
 * Time-zone arithmetic for the connectors, wrapped around `temporal-polyfill`. Temporal was chosen
 * over luxon and @date-fns/tz because it is the standard API (the import becomes the global once
 * Node ships it), it keeps instants, wall times and plain dates apart as separate types, and its
 * `"compatible"` disambiguation is exactly what calendars want: the earlier instant in a fall-back
 * overlap, and a skipped spring-forward wall time moved forward by the gap.
 *
 * Instants are `Date`s at this module's edge; dates are `YYYY-MM-DD` texts.
 */
import { Temporal } from "temporal-polyfill";

/** The ISO 8601 shapes the tools accept: a date, or a date-time with minutes, optionally an offset. */
const ISO_SHAPE =
  /^(\d{4}-\d{2}-\d{2})(?:[Tt ](\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

type Parsed =
  | { kind: "date"; date: Temporal.PlainDate }
  | { kind: "local"; wall: Temporal.PlainDateTime }
  | { kind: "instant"; instant: Temporal.Instant };

/** Reads an accepted ISO text; undefined for other shapes and impossible dates or times. */
function parse(text: string): Parsed | undefined {
  const match = ISO_SHAPE.exec(text.trim());
  if (!match) return undefined;
  const [, date = "", time, offset] = match;
  try {
    if (time === undefined) return { kind: "date", date: Temporal.PlainDate.from(date) };
    if (offset === undefined) return { kind: "local", wall: Temporal.PlainDateTime.from(`${date}T${time}`) };
    return { kind: "instant", instant: Temporal.Instant.from(`${date}T${time}${offset}`) };
  } catch {
    return undefined;
  }
}

const toDate = (instant: Temporal.Instant | Temporal.ZonedDateTime): Date =>
  new Date(instant.epochMilliseconds);

const zoned = (instant: Date, timeZone: string): Temporal.ZonedDateTime =>
  Temporal.Instant.fromEpochMilliseconds(instant.getTime()).toZonedDateTimeISO(timeZone);

/** True for an IANA zone the runtime knows (e.g. `Europe/Paris`, `UTC`). */
export function isValidTimeZone(timeZone: string): boolean {
  if (!timeZone) return false;
  try {
    zoned(new Date(0), timeZone);
    return true;
  } catch {
    return false;
  }
}

/** RFC 3339 with the zone's offset, e.g. `2025-06-12T09:30:00-04:00`. */
export function formatInZone(instant: Date, timeZone: string): string {
  return zoned(instant, timeZone).toString({ timeZoneName: "never", smallestUnit: "second" });
}

/** `formatInZone` for reads that must not fail: an unknown zone falls back to UTC, still unambiguous. */
export function formatInZoneOrUtc(instant: Date, timeZone: string): string {
  return isValidTimeZone(timeZone) ? formatInZone(instant, timeZone) : formatUtc(instant);
}

/** RFC 3339 in UTC without milliseconds, e.g. `2025-06-12T13:30:00Z`. */
export function formatUtc(instant: Date): string {
  return `${instant.toISOString().slice(0, 19)}Z`;
}

/** `YYYY-MM-DD` of `instant` in `timeZone`. */
export function formatDate(instant: Date, timeZone: string): string {
  return zoned(instant, timeZone).toPlainDate().toString();
}

/** True for a bare `YYYY-MM-DD`. */
export function isDateOnly(text: string): boolean {
  return parse(text)?.kind === "date";
}

/** True for any ISO date or date-time `parseDateTime` accepts. */
export function isIsoDateTime(text: string): boolean {
  return parse(text) !== undefined;
}

/**
 * The instant an ISO text denotes. A text with an offset is absolute; one without is a wall time
 * in `timeZone`; a bare date is the start of that day in `timeZone`.
 * @throws RangeError when the text is not an ISO 8601 date or date-time.
 */
export function parseDateTime(text: string, timeZone: string): Date {
  const parsed = parse(text);
  if (!parsed) throw new RangeError(`"${text}" is not an ISO 8601 date or date-time`);
  if (parsed.kind === "instant") return toDate(parsed.instant);
  if (parsed.kind === "date") return toDate(parsed.date.toZonedDateTime(timeZone));
  return toDate(parsed.wall.toZonedDateTime(timeZone));
}

/** Adds calendar days to a `YYYY-MM-DD` date. */
export function addDays(date: string, days: number): string {
  return Temporal.PlainDate.from(date).add({ days }).toString();
}

/** 1 = Monday … 7 = Sunday, for a `YYYY-MM-DD` date. */
export function dayOfWeek(date: string): number {
  return Temporal.PlainDate.from(date).dayOfWeek;
}

/** The first instant of a `YYYY-MM-DD` date in `timeZone` (not always midnight). */
export function startOfDate(date: string, timeZone: string): Date {
  return toDate(Temporal.PlainDate.from(date).toZonedDateTime(timeZone));
}

/** The instant at local `HH:MM` on a `YYYY-MM-DD` date in `timeZone`. */
export function atLocalTime(date: string, hour: number, minute: number, timeZone: string): Date {
  const wall = Temporal.PlainDate.from(date).toPlainDateTime({ hour, minute });
  return toDate(wall.toZonedDateTime(timeZone));
}

/** The same wall-clock time `days` calendar days later (DST-aware, so not always 24 h a day). */
export function zonedAddDays(instant: Date, days: number, timeZone: string): Date {
  return toDate(zoned(instant, timeZone).add({ days }));
}

export interface TimeRangeInput {
  start?: string | undefined;
  end?: string | undefined;
  timeZone: string;
  now: Date;
  /** Where the range starts when `start` is omitted. */
  defaultStart: "now" | "start-of-today";
  /** Length of the range when `end` is omitted and `start` is not a bare date. */
  defaultDays: number;
}

export interface TimeRange {
  start: Date;
  end: Date;
}

/** The day after a bare date, as the exclusive end that makes it inclusive for a person. */
const dayAfter = (text: string, timeZone: string) => startOfDate(addDays(text.trim(), 1), timeZone);

/**
 * Resolves a tool's optional range arguments: a bare date as `start` means that day's start, a bare
 * date as `end` means the end of that day (inclusive for a person), a bare `start` date alone means
 * that whole day, and a missing `end` otherwise means `defaultDays` later.
 * @throws RangeError for texts that are not ISO dates or an end not after the start.
 */
export function resolveTimeRange(input: TimeRangeInput): TimeRange {
  const { timeZone, now } = input;
  const today = startOfDate(formatDate(now, timeZone), timeZone);
  const start = input.start
    ? parseDateTime(input.start, timeZone)
    : input.defaultStart === "now"
      ? now
      : today;
  let end: Date;
  if (input.end) {
    end = isDateOnly(input.end) ? dayAfter(input.end, timeZone) : parseDateTime(input.end, timeZone);
  } else if (input.start && isDateOnly(input.start)) {
    end = dayAfter(input.start, timeZone);
  } else {
    end = zonedAddDays(start, input.defaultDays, timeZone);
  }
  if (end.getTime() <= start.getTime()) {
    throw new RangeError(
      `the end (${formatInZone(end, timeZone)}) must be after the start (${formatInZone(start, timeZone)})`,
    );
  }
  return { start, end };
}

/** Whole calendar days from one `YYYY-MM-DD` date to another (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Temporal.PlainDate.from(from).until(Temporal.PlainDate.from(to)).days;
}
