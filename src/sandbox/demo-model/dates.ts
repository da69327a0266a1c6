/**
 * Calendar arithmetic in the user's time zone, on `temporal-polyfill`. Dates are plain calendar
 * days; datetimes handed to tools are local ISO strings without an offset ("2026-11-26T12:00:00"),
 * which the tools read in the user's zone.
 */
import { Temporal } from "temporal-polyfill";

export interface PlainDate {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
}

export interface LocalDateTime {
  date: PlainDate;
  hour: number;
  minute: number;
}

export interface TimeOfDay {
  hour: number;
  minute: number;
}

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;

const pad = (value: number): string => String(value).padStart(2, "0");

const fromTemporal = (value: Temporal.PlainDate): PlainDate => ({
  year: value.year,
  month: value.month,
  day: value.day,
});

const toWallTime = (at: LocalDateTime) =>
  Temporal.PlainDateTime.from({ ...at.date, hour: at.hour, minute: at.minute });

function fromWallTime(value: Temporal.PlainDateTime | Temporal.ZonedDateTime): LocalDateTime {
  return { date: fromTemporal(value.toPlainDate()), hour: value.hour, minute: value.minute };
}

/** The wall-clock date and time of an instant in a time zone. */
export function zonedDateTime(instant: Date, timeZone: string): LocalDateTime {
  return fromWallTime(Temporal.Instant.fromEpochMilliseconds(instant.getTime()).toZonedDateTimeISO(timeZone));
}

export function addDays(date: PlainDate, days: number): PlainDate {
  return fromTemporal(Temporal.PlainDate.from(date).add({ days }));
}

export function addMinutes(at: LocalDateTime, minutes: number): LocalDateTime {
  return fromWallTime(toWallTime(at).add({ minutes }));
}

/** Minutes from `a` to `b`, both wall-clock times. */
export function minutesBetween(a: LocalDateTime, b: LocalDateTime): number {
  return Math.round(toWallTime(a).until(toWallTime(b)).total({ unit: "minutes" }));
}

/** 0 = Sunday … 6 = Saturday. */
export function weekdayOf(date: PlainDate): number {
  return Temporal.PlainDate.from(date).dayOfWeek % 7;
}

export function sameDate(a: PlainDate, b: PlainDate): boolean {
  return a.year === b.year && a.month === b.month && a.day === b.day;
}

export function isoDate(date: PlainDate): string {
  return `${date.year}-${pad(date.month)}-${pad(date.day)}`;
}

export function isoLocal(at: LocalDateTime): string {
  return `${isoDate(at.date)}T${pad(at.hour)}:${pad(at.minute)}:00`;
}

export function startOfDay(date: PlainDate): string {
  return isoLocal({ date, hour: 0, minute: 0 });
}

/** "Thu 26 Nov" */
export function formatDay(date: PlainDate): string {
  return `${WEEKDAYS[weekdayOf(date)]?.slice(0, 3)} ${date.day} ${MONTHS[date.month - 1]}`;
}

export function formatTime(time: TimeOfDay): string {
  return `${pad(time.hour)}:${pad(time.minute)}`;
}

/** "today (Wed 25 Nov)", "tomorrow (Thu 26 Nov)", "Fri 27 Nov". */
export function describeDay(date: PlainDate, today: PlainDate): string {
  if (sameDate(date, today)) return `today (${formatDay(date)})`;
  if (sameDate(date, addDays(today, 1))) return `tomorrow (${formatDay(date)})`;
  return formatDay(date);
}

/**
 * Reads a datetime a tool returned: a date ("2026-11-26"), a local datetime, a datetime with an
 * offset (converted to the user's zone), or Graph's `{ dateTime, timeZone }` object.
 */
export function parseWhen(
  value: unknown,
  timeZone: string,
): { date: PlainDate; time?: TimeOfDay } | undefined {
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    return parseWhen(record.dateTime ?? record.date_time ?? record.date, timeZone);
  }
  if (typeof value !== "string") return undefined;
  const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (dateOnly)
    return { date: { year: Number(dateOnly[1]), month: Number(dateOnly[2]), day: Number(dateOnly[3]) } };
  const local =
    /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(value);
  if (local && !local[6]) {
    return {
      date: { year: Number(local[1]), month: Number(local[2]), day: Number(local[3]) },
      time: { hour: Number(local[4]), minute: Number(local[5]) },
    };
  }
  const instant = Date.parse(value);
  if (Number.isNaN(instant)) return undefined;
  const zoned = zonedDateTime(new Date(instant), timeZone);
  return { date: zoned.date, time: { hour: zoned.hour, minute: zoned.minute } };
}

export interface DayRange {
  start: PlainDate;
  /** The day after the last day of the range. */
  end: PlainDate;
  label: string;
  /** The words that named the range, so callers can remove them from a title. */
  matched: string;
}

const WEEKDAY_PATTERN = "monday|tuesday|wednesday|thursday|friday|saturday|sunday";

/**
 * Finds a day or a range of days in a request: today, tonight, tomorrow, the day after tomorrow,
 * this/next week, this weekend, (on|this|next) <weekday>, or an ISO date.
 */
export function parseDayRange(text: string, today: PlainDate): DayRange | undefined {
  const day = (start: PlainDate, matched: string): DayRange => ({
    start,
    end: addDays(start, 1),
    label: describeDay(start, today),
    matched,
  });
  let match = /\b(?:the\s+)?day\s+after\s+tomorrow\b/i.exec(text);
  if (match) return day(addDays(today, 2), match[0]);
  match = /\b(?:for\s+|on\s+)?(?:today|tonight)\b/i.exec(text);
  if (match) return day(today, match[0]);
  match = /\b(?:for\s+|on\s+)?tomorrow\b/i.exec(text);
  if (match) return day(addDays(today, 1), match[0]);
  // Weeks run Monday to Sunday; "this week" starts today, since the past days are not useful.
  const daysToMonday = (8 - weekdayOf(today)) % 7 || 7;
  const nextMonday = addDays(today, daysToMonday);
  match = /\b(?:for\s+|in\s+)?(?:this|the\s+rest\s+of\s+the)\s+week\b/i.exec(text);
  if (match) {
    return {
      start: today,
      end: nextMonday,
      label: `this week (${formatDay(today)} – ${formatDay(addDays(nextMonday, -1))})`,
      matched: match[0],
    };
  }
  match = /\b(?:for\s+)?next\s+week\b/i.exec(text);
  if (match) {
    const end = addDays(nextMonday, 7);
    return {
      start: nextMonday,
      end,
      label: `next week (${formatDay(nextMonday)} – ${formatDay(addDays(end, -1))})`,
      matched: match[0],
    };
  }
  match = /\b(?:for\s+|on\s+)?this\s+weekend\b/i.exec(text);
  if (match) {
    const saturday = addDays(today, (6 - weekdayOf(today) + 7) % 7);
    const start = weekdayOf(today) === 0 ? today : saturday;
    return {
      start,
      end: addDays(saturday, 2),
      label: `this weekend (${formatDay(start)} – ${formatDay(addDays(saturday, 1))})`,
      matched: match[0],
    };
  }
  match = new RegExp(`\\b(?:on\\s+)?(this\\s+|next\\s+)?(${WEEKDAY_PATTERN})\\b`, "i").exec(text);
  if (match) {
    const target = WEEKDAYS.findIndex((name) => name.toLowerCase() === match?.[2]?.toLowerCase());
    let date = addDays(today, (target - weekdayOf(today) + 7) % 7);
    // "next friday" is the Friday of next week.
    if (/next/i.test(match[1] ?? "")) date = addDays(nextMonday, (target + 6) % 7);
    return { ...day(date, match[0]), label: describeDay(date, today) };
  }
  match = /\b(?:on\s+)?(\d{4})-(\d{2})-(\d{2})\b/.exec(text);
  if (match) return day({ year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) }, match[0]);
  return undefined;
}

/** Finds a time of day: "at noon", "at 3pm", "at 3:30 pm", "at 15:00", "midnight". */
export function parseTimeOfDay(text: string): (TimeOfDay & { matched: string }) | undefined {
  let match = /\b(?:at\s+)?(noon|midday|midnight)\b/i.exec(text);
  if (match) return { hour: /midnight/i.test(match[1] ?? "") ? 0 : 12, minute: 0, matched: match[0] };
  match = /\b(?:at\s+)?(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)(?=$|[\s,.;!?])/i.exec(text);
  if (match) {
    const hour = (Number(match[1]) % 12) + (/^p/i.test(match[3] ?? "") ? 12 : 0);
    return { hour, minute: Number(match[2] ?? 0), matched: match[0] };
  }
  match = /\bat\s+(\d{1,2})(?::(\d{2}))?\b/i.exec(text);
  if (match) {
    let hour = Number(match[1]);
    // A bare "at 3" means the afternoon during office hours, as people say it.
    if (!match[2] && hour >= 1 && hour <= 7) hour += 12;
    if (hour > 23) return undefined;
    return { hour, minute: Number(match[2] ?? 0), matched: match[0] };
  }
  return undefined;
}

/** "30 minute", "45-min", "an hour", "1.5 hours", "half an hour". */
export function parseDuration(text: string): (TimeOfDay & { minutes: number; matched: string }) | undefined {
  const make = (minutes: number, matched: string) => ({
    minutes,
    hour: Math.floor(minutes / 60),
    minute: minutes % 60,
    matched,
  });
  let match = /\b(?:for\s+)?half\s+an\s+hour\b|\bhalf-hour\b/i.exec(text);
  if (match) return make(30, match[0]);
  match = /\b(?:for\s+)?(\d+)\s*-?\s*(?:min|mins|minute|minutes)\b/i.exec(text);
  if (match) return make(Number(match[1]), match[0]);
  match = /\b(?:for\s+)?(\d+(?:\.\d+)?)\s*-?\s*(?:h|hr|hrs|hour|hours)\b/i.exec(text);
  if (match) return make(Math.round(Number(match[1]) * 60), match[0]);
  match = /\b(?:for\s+)?(?:an|one)\s+hour\b|\bhour-long\b/i.exec(text);
  if (match) return make(60, match[0]);
  return undefined;
}
