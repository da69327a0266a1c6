/**
 * The emulators' own calendar clock, on `temporal-polyfill` like the connectors but written
 * separately, so a mistake in Delegate's time handling cannot hide behind the same mistake here.
 * Instants are epoch milliseconds, as the emulators store them; dates are `YYYY-MM-DD`.
 */
import { Temporal } from "temporal-polyfill";
import { findIana } from "windows-iana";

/** A timestamp as a provider reads it: a date, a wall time without offset, or an exact instant. */
export type Stamp =
  | { kind: "date"; date: string }
  | { kind: "wall"; wall: Temporal.PlainDateTime }
  | { kind: "exact"; epochMs: number };

export function readStamp(text: string): Stamp | undefined {
  const trimmed = text.trim();
  try {
    if (/^\d{4}-\d{2}-\d{2}$/.test(trimmed))
      return { kind: "date", date: Temporal.PlainDate.from(trimmed).toString() };
    // Providers want at least hours and minutes; Temporal alone would also take `20250612`.
    if (!/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}/.test(trimmed)) return undefined;
    if (/(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$/.test(trimmed.slice(16)))
      return { kind: "exact", epochMs: Temporal.Instant.from(trimmed).epochMilliseconds };
    return { kind: "wall", wall: Temporal.PlainDateTime.from(trimmed) };
  } catch {
    return undefined;
  }
}

/** The machine's zone: where seeded wall times live when the caller names none. */
export function hostZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone ?? "UTC";
}

export function knownZone(zone: string): boolean {
  try {
    Temporal.Now.instant().toZonedDateTimeISO(zone);
    return zone !== "";
  } catch {
    return false;
  }
}

/** The epoch instant a wall time denotes in `zone` (Temporal's "compatible" rule at DST edges). */
export function wallToEpoch(wall: Temporal.PlainDateTime, zone: string): number {
  return wall.toZonedDateTime(zone).epochMilliseconds;
}

const inZone = (epochMs: number, zone: string) =>
  Temporal.Instant.fromEpochMilliseconds(epochMs).toZonedDateTimeISO(zone);

/** RFC 3339 with the zone's offset (`2025-06-12T09:30:00-04:00`), or in UTC (`…Z`) without a zone. */
export function rfc3339(epochMs: number, zone?: string): string {
  if (zone === undefined)
    return Temporal.Instant.fromEpochMilliseconds(epochMs).toString({ smallestUnit: "second" });
  return inZone(epochMs, zone).toString({ smallestUnit: "second", timeZoneName: "never" });
}

/** Graph's wall-time text: seven fractional digits and no offset. */
export function graphWallTime(epochMs: number, zone: string): string {
  return inZone(epochMs, zone).toPlainDateTime().toString({ fractionalSecondDigits: 7 });
}

export function dayStart(date: string, zone: string): number {
  return Temporal.PlainDate.from(date).toZonedDateTime(zone).epochMilliseconds;
}

/** Today's date in `zone`. */
export function localToday(now: Date, zone: string): string {
  return inZone(now.getTime(), zone).toPlainDate().toString();
}

export function shiftDate(date: string, days: number): string {
  return Temporal.PlainDate.from(date).add({ days }).toString();
}

/** The epoch instant of `hour:minute` on `date` in `zone`. */
export function localTime(date: string, hour: number, minute: number, zone: string): number {
  return wallToEpoch(Temporal.PlainDate.from(date).toPlainDateTime({ hour, minute }), zone);
}

/** Graph's own spellings of UTC, which the CLDR Windows table does not carry. */
const GRAPH_UTC = /^(?:utc|coordinated universal time|tzone:\/\/microsoft\/utc)$/i;

/** Graph accepts Windows zone names ("Pacific Standard Time") and IANA ones; undefined for neither. */
export function ianaForGraphZone(name: string): string | undefined {
  if (GRAPH_UTC.test(name.trim())) return "UTC";
  return findIana(name)[0] ?? (knownZone(name) ? name : undefined);
}
