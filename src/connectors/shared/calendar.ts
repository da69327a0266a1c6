/**
 * Event timing shared by the Google Calendar and Outlook tools: one reading of the tools' start /
 * end / duration arguments into provider-neutral boundaries, which each connector then writes in
 * its own wire format.
 */
import { DelegateError } from "../../errors.js";
import type { ConnectorId } from "../registry.js";
import {
  addDays,
  daysBetween,
  isDateOnly,
  parseDateTime,
  resolveTimeRange,
  type TimeRange,
  type TimeRangeInput,
} from "./time.js";

export const DEFAULT_DURATION_MINUTES = 30;

/** One end of an event: a calendar date (all-day events) or an instant (timed events). */
export type EventBoundary = { date: string; at?: never } | { at: Date; date?: never };

/** An event's span; `end` is exclusive (the day after the last day for all-day events). */
export interface EventTimes {
  start: EventBoundary;
  end: EventBoundary;
}

export interface TimingInput {
  start: string;
  end?: string | undefined;
  duration_minutes?: number | undefined;
}

export interface MoveInput {
  start?: string | undefined;
  end?: string | undefined;
}

/** A mistake in the model's arguments, reported for it to fix rather than as a crash. */
export function invalidArguments(connector: ConnectorId, message: string): DelegateError {
  return new DelegateError("TOOL_FAILED", `Invalid arguments: ${message}`, { details: { connector } });
}

export type RangeDefaults = Pick<TimeRangeInput, "defaultStart" | "defaultDays">;

/** `resolveTimeRange` for a tool's `[start, end]` arguments, reporting a bad range as invalid arguments. */
export function toolTimeRange(
  connector: ConnectorId,
  [start, end]: readonly [string | undefined, string | undefined],
  clock: { timeZone: string; now: Date },
  defaults: RangeDefaults,
): TimeRange {
  try {
    return resolveTimeRange({ start, end, timeZone: clock.timeZone, now: clock.now, ...defaults });
  } catch (error) {
    throw invalidArguments(connector, (error as Error).message);
  }
}

const day = (text: string) => text.trim().slice(0, 10);

/** The span of a new event: a bare-date start makes it all-day; otherwise end or duration (default 30 min). */
export function newEventTimes(connector: ConnectorId, input: TimingInput, timeZone: string): EventTimes {
  const invalid = (message: string) => invalidArguments(connector, message);
  if (isDateOnly(input.start)) {
    if (input.end !== undefined && !isDateOnly(input.end))
      throw invalid("an all-day event (start is a date) needs end as a date too");
    const lastDay = day(input.end ?? input.start);
    if (lastDay < day(input.start)) throw invalid("end must not be before start");
    return { start: { date: day(input.start) }, end: { date: addDays(lastDay, 1) } };
  }
  if (input.end !== undefined && isDateOnly(input.end))
    throw invalid("end must be a date-time when start is a date-time");
  const start = parseDateTime(input.start, timeZone);
  const end =
    input.end !== undefined
      ? parseDateTime(input.end, timeZone)
      : new Date(start.getTime() + (input.duration_minutes ?? DEFAULT_DURATION_MINUTES) * 60_000);
  if (end.getTime() <= start.getTime()) throw invalid("end must be after start");
  return { start: { at: start }, end: { at: end } };
}

/**
 * The changed boundaries of an event being moved: moving only the start keeps its length, a
 * bare-date start makes it all-day, and an end alone must suit the kind of event it is.
 */
export function movedEventTimes(
  connector: ConnectorId,
  current: Partial<EventTimes>,
  input: MoveInput,
  timeZone: string,
): Partial<EventTimes> {
  const invalid = (message: string) => invalidArguments(connector, message);
  const wasAllDay = current.start?.date !== undefined;
  if (input.start !== undefined && isDateOnly(input.start)) {
    if (input.end !== undefined && !isDateOnly(input.end))
      throw invalid("an all-day start needs a date as end");
    const { date: from } = current.start ?? {};
    const { date: to } = current.end ?? {};
    const days = from && to ? Math.max(1, daysBetween(from, to)) : 1;
    const endDate = input.end !== undefined ? addDays(day(input.end), 1) : addDays(day(input.start), days);
    if (endDate <= day(input.start)) throw invalid("end must not be before start");
    return { start: { date: day(input.start) }, end: { date: endDate } };
  }
  if (input.start !== undefined) {
    if (input.end !== undefined && isDateOnly(input.end))
      throw invalid("end must be a date-time when start is one");
    const start = parseDateTime(input.start, timeZone);
    const { at: from } = current.start ?? {};
    const { at: to } = current.end ?? {};
    const length = from && to ? to.getTime() - from.getTime() : DEFAULT_DURATION_MINUTES * 60_000;
    const end =
      input.end !== undefined ? parseDateTime(input.end, timeZone) : new Date(start.getTime() + length);
    if (end.getTime() <= start.getTime()) throw invalid("end must be after start");
    return { start: { at: start }, end: { at: end } };
  }
  if (input.end === undefined) return {};
  if (wasAllDay) {
    if (!isDateOnly(input.end)) throw invalid("this is an all-day event; give end as a date");
    const endDate = addDays(day(input.end), 1);
    if (endDate <= (current.start?.date ?? "")) throw invalid("end must not be before the event's start");
    return { end: { date: endDate } };
  }
  if (isDateOnly(input.end)) throw invalid("this is a timed event; give end as a date-time");
  const end = parseDateTime(input.end, timeZone);
  const from = current.start?.at;
  if (from && end.getTime() <= from.getTime()) throw invalid("end must be after the event's start");
  return { end: { at: end } };
}
