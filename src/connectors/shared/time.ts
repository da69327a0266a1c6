/**
 * Time-zone arithmetic for the calendar connectors, with `Intl` only (no date library is
 * installed). Instants are `Date`s; "wall clock" values are the calendar fields a person in a given
 * IANA zone would read on their clock. Ambiguous and skipped local times resolve like Temporal's
 * `"compatible"` disambiguation: the earlier instant in a fall-back overlap, and the later wall time
 * (the pre-transition offset) in a spring-forward gap.
 */

export interface WallClock {
  year: number;
  /** 1–12. */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
}

/** The calendar fields of a local date-time; omitted time fields are zero. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour?: number;
  minute?: number;
  second?: number;
  millisecond?: number;
}

/** An ISO 8601 date or date-time, with or without a UTC offset (`Z`, `+02:00`, `+0200`). */
export const ISO_DATE_TIME_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

const DAY_MS = 86_400_000;
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      weekday: "short",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True when `Intl` knows the IANA zone (e.g. `Europe/Paris`, `UTC`). */
export function isValidTimeZone(timeZone: string): boolean {
  if (!timeZone) return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock in `timeZone` at `instant`. */
export function wallClock(instant: Date, timeZone: string): WallClock {
  const fields: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) fields[part.type] = part.value;
  return {
    year: Number(fields.year),
    month: Number(fields.month),
    day: Number(fields.day),
    hour: Number(fields.hour),
    minute: Number(fields.minute),
    second: Number(fields.second),
    millisecond: ((instant.getTime() % 1000) + 1000) % 1000,
    weekday: WEEKDAYS[fields.weekday ?? ""] ?? 0,
  };
}

/** The zone's UTC offset at `instant`, in minutes east of UTC (e.g. -240 for New York in summer). */
export function offsetMinutes(instant: Date, timeZone: string): number {
  const wall = wallClock(instant, timeZone);
  const asUtc = Date.UTC(
    wall.year,
    wall.month - 1,
    wall.day,
    wall.hour,
    wall.minute,
    wall.second,
    wall.millisecond,
  );
  return Math.round((asUtc - instant.getTime()) / 60_000);
}

/** The instant at which the clock in `timeZone` shows `wall`. */
export function zonedTimeToInstant(wall: WallTime, timeZone: string): Date {
  const local = Date.UTC(
    wall.year,
    wall.month - 1,
    wall.day,
    wall.hour ?? 0,
    wall.minute ?? 0,
    wall.second ?? 0,
    wall.millisecond ?? 0,
  );
  // The offsets a day either side bracket any transition near this wall time.
  const before = offsetMinutes(new Date(local - DAY_MS), timeZone);
  const after = offsetMinutes(new Date(local + DAY_MS), timeZone);
  const candidates = [local - before * 60_000, local - after * 60_000].sort((a, b) => a - b);
  const valid = candidates.filter((candidate) => {
    const offset = offsetMinutes(new Date(candidate), timeZone);
    return candidate === local - offset * 60_000;
  });
  // No valid candidate: the wall time falls in a gap; the pre-transition offset moves it forward.
  return new Date(valid[0] ?? local - before * 60_000);
}

function pad(value: number, width = 2): string {
  return String(Math.abs(value)).padStart(width, "0");
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  return `${sign}${pad(Math.trunc(Math.abs(minutes) / 60))}:${pad(Math.abs(minutes) % 60)}`;
}

/** `YYYY-MM-DD` of `instant` in `timeZone`. */
export function formatDate(instant: Date, timeZone: string): string {
  const wall = wallClock(instant, timeZone);
  return `${pad(wall.year, 4)}-${pad(wall.month)}-${pad(wall.day)}`;
}

/** RFC 3339 with the zone's offset, e.g. `2025-06-12T09:30:00-04:00`. */
export function formatInZone(instant: Date, timeZone: string): string {
  const wall = wallClock(instant, timeZone);
  const offset = offsetMinutes(instant, timeZone);
  return `${pad(wall.year, 4)}-${pad(wall.month)}-${pad(wall.day)}T${pad(wall.hour)}:${pad(wall.minute)}:${pad(wall.second)}${formatOffset(offset)}`;
}

/** RFC 3339 in UTC without milliseconds, e.g. `2025-06-12T13:30:00Z`. */
export function formatUtc(instant: Date): string {
  return `${instant.toISOString().slice(0, 19)}Z`;
}

export interface ParsedIso {
  /** True for a bare `YYYY-MM-DD`. */
  dateOnly: boolean;
  /** The local calendar fields as written. */
  wall: Required<WallTime>;
  /** Minutes east of UTC when the text carries an offset. */
  offsetMinutes?: number;
}

/** Splits an ISO 8601 date or date-time into its fields; undefined when it is not one. */
export function parseIso(text: string): ParsedIso | undefined {
  const match = ISO_DATE_TIME_PATTERN.exec(text.trim());
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction, offset] = match;
  const wall = {
    year: Number(year),
    month: Number(month),
    day: Number(day),
    hour: Number(hour ?? 0),
    minute: Number(minute ?? 0),
    second: Number(second ?? 0),
    millisecond: Number((fraction ?? "").padEnd(3, "0").slice(0, 3)),
  };
  if (!isRealWallTime(wall)) return undefined;
  const parsed: ParsedIso = { dateOnly: hour === undefined, wall };
  if (offset) parsed.offsetMinutes = parseOffset(offset);
  return parsed;
}

function parseOffset(text: string): number {
  if (text === "Z" || text === "z") return 0;
  const sign = text.startsWith("-") ? -1 : 1;
  const digits = text.slice(1).replace(":", "");
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0));
}

function isRealWallTime(wall: Required<WallTime>): boolean {
  if (wall.month < 1 || wall.month > 12 || wall.day < 1) return false;
  if (wall.hour > 23 || wall.minute > 59 || wall.second > 59) return false;
  const daysInMonth = new Date(Date.UTC(wall.year, wall.month, 0)).getUTCDate();
  return wall.day <= daysInMonth;
}

/** True for a bare `YYYY-MM-DD`. */
export function isDateOnly(text: string): boolean {
  return parseIso(text)?.dateOnly ?? false;
}

/** True for any ISO date or date-time `parseDateTime` accepts. */
export function isIsoDateTime(text: string): boolean {
  return parseIso(text) !== undefined;
}

/**
 * The instant an ISO text denotes. A text with an offset is absolute; one without is a wall time
 * in `timeZone`; a bare date is the start of that day in `timeZone`.
 * @throws RangeError when the text is not an ISO 8601 date or date-time.
 */
export function parseDateTime(text: string, timeZone: string): Date {
  const parsed = parseIso(text);
  if (!parsed) throw new RangeError(`"${text}" is not an ISO 8601 date or date-time`);
  if (parsed.offsetMinutes === undefined) return zonedTimeToInstant(parsed.wall, timeZone);
  const { year, month, day, hour, minute, second, millisecond } = parsed.wall;
  return new Date(
    Date.UTC(year, month - 1, day, hour, minute, second, millisecond) - parsed.offsetMinutes * 60_000,
  );
}

/** Adds calendar days to a `YYYY-MM-DD` date. */
export function addDays(date: string, days: number): string {
  const [year, month, day] = date.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

/** Midnight (or the first existing instant) of a `YYYY-MM-DD` date in `timeZone`. */
export function startOfDate(date: string, timeZone: string): Date {
  const [year, month, day] = date.split("-").map(Number) as [number, number, number];
  return zonedTimeToInstant({ year, month, day }, timeZone);
}

/** The start of the local day containing `instant`. */
export function startOfDay(instant: Date, timeZone: string): Date {
  return startOfDate(formatDate(instant, timeZone), timeZone);
}

/** The end (exclusive: the next day's start) of the local day containing `instant`. */
export function endOfDay(instant: Date, timeZone: string): Date {
  return startOfDate(addDays(formatDate(instant, timeZone), 1), timeZone);
}

/** The instant at local `HH:MM` on a `YYYY-MM-DD` date in `timeZone`. */
export function atLocalTime(date: string, hour: number, minute: number, timeZone: string): Date {
  const [year, month, day] = date.split("-").map(Number) as [number, number, number];
  return zonedTimeToInstant({ year, month, day, hour, minute }, timeZone);
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

/**
 * Resolves a tool's optional range arguments: a bare date as `start` means that day's start, a bare
 * date as `end` means the end of that day (inclusive for a person), a bare `start` date alone means
 * that whole day, and a missing `end` otherwise means `defaultDays` later.
 * @throws RangeError for texts that are not ISO dates or an end not after the start.
 */
export function resolveTimeRange(input: TimeRangeInput): TimeRange {
  const { timeZone, now } = input;
  const start = input.start
    ? parseDateTime(input.start, timeZone)
    : input.defaultStart === "now"
      ? now
      : startOfDay(now, timeZone);
  let end: Date;
  if (input.end) {
    end = isDateOnly(input.end)
      ? startOfDate(addDays(input.end.trim().slice(0, 10), 1), timeZone)
      : parseDateTime(input.end, timeZone);
  } else if (input.start && isDateOnly(input.start)) {
    end = startOfDate(addDays(input.start.trim().slice(0, 10), 1), timeZone);
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

/** The same wall-clock time `days` calendar days later (DST-aware, so not always 24 h a day). */
export function zonedAddDays(instant: Date, days: number, timeZone: string): Date {
  const wall = wallClock(instant, timeZone);
  const shifted = new Date(Date.UTC(wall.year, wall.month - 1, wall.day + days));
  return zonedTimeToInstant(
    {
      year: shifted.getUTCFullYear(),
      month: shifted.getUTCMonth() + 1,
      day: shifted.getUTCDate(),
      hour: wall.hour,
      minute: wall.minute,
      second: wall.second,
      millisecond: wall.millisecond,
    },
    timeZone,
  );
}

/**
 * `formatInZone` for reads that must not fail: an unknown zone falls back to UTC, which is
 * still unambiguous.
 */
export function formatInZoneOrUtc(instant: Date, timeZone: string): string {
  try {
    return formatInZone(instant, timeZone);
  } catch {
    return formatUtc(instant);
  }
}

/** Cuts long texts so one item cannot flood the model's context. */
export function truncateText(text: string, max: number): { text: string; truncated: boolean } {
  if (text.length <= max) return { text, truncated: false };
  return { text: `${text.slice(0, max - 1)}…`, truncated: true };
}
