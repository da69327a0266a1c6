/**
 * What the demo seeds share: ages and lengths in minutes, ids that are stable per user, and a
 * calendar relative to the user's today, so "tomorrow at 11:00" holds whenever and wherever the
 * sandbox starts.
 */
import { createHash } from "node:crypto";
import { localTime, localToday, shiftDate } from "./zoned-time.js";

export const HOUR = 60;
export const DAY = 24 * HOUR;

/** A digest of a seed key per user: the same user gets the same ids after a restart, users differ. */
export function seedDigest(identifier: string, key: string, encoding: "hex" | "base64url"): string {
  return createHash("sha256").update(`${identifier}\u0000${key}`).digest(encoding);
}

/** Dates and instants counted in whole days from today, on the user's wall clock. */
export interface SeedCalendar {
  /** `YYYY-MM-DD`, `days` from today. */
  date(days: number): string;
  /** The instant of `hour:minute`, `days` from today. */
  at(days: number, hour: number, minute: number): number;
  /** A timed event's instants: `[hour, minute]`, `days` from today, `minutes` long. */
  span(days: number, start: readonly [number, number], minutes: number): { start: number; end: number };
}

export function seedCalendar(now: Date, timeZone: string): SeedCalendar {
  const today = localToday(now, timeZone);
  const date = (days: number) => shiftDate(today, days);
  const at = (days: number, hour: number, minute: number) => localTime(date(days), hour, minute, timeZone);
  return {
    date,
    at,
    span(days, [hour, minute], minutes) {
      const start = at(days, hour, minute);
      return { start, end: start + minutes * 60_000 };
    },
  };
}
