/** `2026-11-26T09:30`, `…:00`, `…:00.000`, optionally with `Z` or `+01:00`. */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Adds minutes to an ISO date-time on its own wall clock, keeping its offset (or its lack of
 * one): `2026-11-26T09:30:00` + 45 = `2026-11-26T10:15:00`. Undefined when it is no date-time.
 */
export function addMinutes(dateTime: string, minutes: number): string | undefined {
  const match = DATE_TIME.exec(dateTime.trim());
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second, suffix] = match;
  const wall = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second ?? 0),
  );
  if (Number.isNaN(wall)) return undefined;
  return `${new Date(wall + minutes * 60_000).toISOString().slice(0, 19)}${suffix ?? ""}`;
}

/** Minutes between two ISO date-times that carry offsets (or are both UTC), if parseable. */
export function minutesBetween(start: string, end: string): number | undefined {
  const from = Date.parse(start);
  const to = Date.parse(end);
  return Number.isNaN(from) || Number.isNaN(to) ? undefined : Math.round((to - from) / 60_000);
}
