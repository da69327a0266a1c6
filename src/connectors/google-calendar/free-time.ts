import { addDays, atLocalTime, dayOfWeek, formatDate, startOfDate } from "../shared/time.js";

export interface Interval {
  start: number;
  end: number;
}

export interface FreeSlotOptions {
  range: Interval;
  busy: readonly Interval[];
  durationMinutes: number;
  timeZone: string;
  /** Restrict to these local hours on Monday–Friday; undefined means any time. */
  workingHours?: { startHour: number; endHour: number };
  /** Slot starts are rounded up to this many minutes so answers read like a person's calendar. */
  roundToMinutes?: number;
}

/**
 * Free gaps at least `durationMinutes` long inside `range`, outside `busy`, and (optionally)
 * inside working hours on weekdays in `timeZone`.
 */
export function computeFreeSlots(options: FreeSlotOptions): Interval[] {
  const durationMs = options.durationMinutes * 60_000;
  const roundMs = (options.roundToMinutes ?? 15) * 60_000;
  const busy = mergeIntervals(options.busy);
  const slots: Interval[] = [];
  for (const window of candidateWindows(options)) {
    let cursor = window.start;
    for (const block of busy) {
      if (block.end <= cursor) continue;
      if (block.start >= window.end) break;
      pushGap(slots, cursor, Math.min(block.start, window.end), durationMs, roundMs);
      cursor = Math.max(cursor, block.end);
    }
    pushGap(slots, cursor, window.end, durationMs, roundMs);
  }
  return slots;
}

function pushGap(slots: Interval[], start: number, end: number, durationMs: number, roundMs: number): void {
  // Offsets are whole quarter hours, so rounding the UTC instant rounds the local clock too.
  const rounded = Math.ceil(start / roundMs) * roundMs;
  if (end - rounded >= durationMs) slots.push({ start: rounded, end });
}

function candidateWindows(options: FreeSlotOptions): Interval[] {
  const { range, workingHours, timeZone } = options;
  if (!workingHours) return [range];
  const windows: Interval[] = [];
  let date = formatDate(new Date(range.start), timeZone);
  while (startOfDate(date, timeZone).getTime() < range.end) {
    if (dayOfWeek(date) <= 5) {
      const start = Math.max(range.start, atLocalTime(date, workingHours.startHour, 0, timeZone).getTime());
      const end = Math.min(range.end, atLocalTime(date, workingHours.endHour, 0, timeZone).getTime());
      if (end > start) windows.push({ start, end });
    }
    date = addDays(date, 1);
  }
  return windows;
}

/** Sorts and merges overlapping or touching intervals. */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals
    .filter((interval) => interval.end > interval.start)
    .sort((a, b) => a.start - b.start);
  const merged: Interval[] = [];
  for (const interval of sorted) {
    const last = merged.at(-1);
    if (last && interval.start <= last.end) last.end = Math.max(last.end, interval.end);
    else merged.push({ ...interval });
  }
  return merged;
}
