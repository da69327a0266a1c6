import { describe, expect, it } from "vitest";
import {
  addDays,
  atLocalTime,
  dayOfWeek,
  daysBetween,
  formatDate,
  formatInZone,
  formatInZoneOrUtc,
  formatUtc,
  isDateOnly,
  isIsoDateTime,
  isValidTimeZone,
  parseDateTime,
  resolveTimeRange,
  startOfDate,
  zonedAddDays,
} from "../../../src/connectors/shared/time.js";

const NY = "America/New_York";

describe("parseDateTime", () => {
  it("reads a date-time without offset as a wall time in the given zone", () => {
    expect(parseDateTime("2025-06-12T09:30", NY).toISOString()).toBe("2025-06-12T13:30:00.000Z");
    expect(parseDateTime("2025-01-12T09:30:00", NY).toISOString()).toBe("2025-01-12T14:30:00.000Z");
    expect(parseDateTime("2025-06-12T09:30:00", "Asia/Kolkata").toISOString()).toBe(
      "2025-06-12T04:00:00.000Z",
    );
  });

  it("honours an explicit offset or Z regardless of the zone", () => {
    expect(parseDateTime("2025-06-12T09:30:00+02:00", NY).toISOString()).toBe("2025-06-12T07:30:00.000Z");
    expect(parseDateTime("2025-06-12T09:30:00Z", NY).toISOString()).toBe("2025-06-12T09:30:00.000Z");
    expect(parseDateTime("2025-06-12T09:30:00.250-0530", NY).toISOString()).toBe("2025-06-12T15:00:00.250Z");
    expect(parseDateTime("2025-06-12T13:30:00.0000000", "UTC").toISOString()).toBe(
      "2025-06-12T13:30:00.000Z",
    );
  });

  it("reads a bare date as the start of that day in the zone", () => {
    expect(parseDateTime("2025-06-12", NY).toISOString()).toBe("2025-06-12T04:00:00.000Z");
    expect(isDateOnly("2025-06-12")).toBe(true);
    expect(isDateOnly("2025-06-12T00:00")).toBe(false);
  });

  it("rejects texts that are not ISO dates, and impossible dates", () => {
    expect(() => parseDateTime("tomorrow at noon", NY)).toThrow(RangeError);
    expect(isIsoDateTime("2025-02-30")).toBe(false);
    expect(isIsoDateTime("2025-06-12T24:00")).toBe(false);
    expect(isIsoDateTime("2025-06-12T10:00")).toBe(true);
  });
});

describe("daylight-saving transitions", () => {
  it("moves a skipped wall time forward (spring forward)", () => {
    // 02:30 does not exist in New York on 2025-03-09; the clock jumps from 02:00 EST to 03:00 EDT.
    const instant = atLocalTime("2025-03-09", 2, 30, NY);
    expect(formatInZone(instant, NY)).toBe("2025-03-09T03:30:00-04:00");
    expect(formatInZone(parseDateTime("2025-03-09T02:30", NY), NY)).toBe("2025-03-09T03:30:00-04:00");
  });

  it("takes the earlier instant of a repeated wall time (fall back)", () => {
    const instant = parseDateTime("2025-11-02T01:30", NY);
    expect(instant.toISOString()).toBe("2025-11-02T05:30:00.000Z");
    expect(formatInZone(instant, NY)).toBe("2025-11-02T01:30:00-04:00");
  });

  it("gives 23- and 25-hour days their real length", () => {
    const hours = (date: string) =>
      (startOfDate(addDays(date, 1), NY).getTime() - startOfDate(date, NY).getTime()) / 3_600_000;
    expect(hours("2025-03-09")).toBe(23);
    expect(hours("2025-11-02")).toBe(25);
  });

  it("keeps the wall time when adding days across a transition", () => {
    const before = parseDateTime("2025-03-08T09:00", NY);
    expect(formatInZone(zonedAddDays(before, 1, NY), NY)).toBe("2025-03-09T09:00:00-04:00");
  });

  it("finds the first instant of a day whose midnight is skipped", () => {
    // Santiago springs forward at midnight: 2024-09-08 starts at 01:00.
    expect(formatInZone(startOfDate("2024-09-08", "America/Santiago"), "America/Santiago")).toBe(
      "2024-09-08T01:00:00-03:00",
    );
  });
});

describe("formatting", () => {
  const instant = new Date("2025-06-12T13:30:00Z");

  it("formats with the zone's offset, including half-hour and negative zones", () => {
    expect(formatInZone(instant, NY)).toBe("2025-06-12T09:30:00-04:00");
    expect(formatInZone(instant, "Asia/Kolkata")).toBe("2025-06-12T19:00:00+05:30");
    expect(formatInZone(instant, "America/St_Johns")).toBe("2025-06-12T11:00:00-02:30");
    expect(formatInZone(instant, "UTC")).toBe("2025-06-12T13:30:00+00:00");
    expect(formatUtc(instant)).toBe("2025-06-12T13:30:00Z");
  });

  it("reports local dates, weekdays and day counts", () => {
    expect(formatInZone(instant, "Asia/Tokyo")).toBe("2025-06-12T22:30:00+09:00");
    expect(dayOfWeek("2025-06-12")).toBe(4); // Thursday
    expect(dayOfWeek("2025-06-15")).toBe(7); // Sunday
    expect(daysBetween("2025-02-27", "2025-03-02")).toBe(3);
    expect(formatDate(new Date("2025-06-12T02:00:00Z"), NY)).toBe("2025-06-11");
    expect(formatInZone(startOfDate("2025-06-12", "Asia/Tokyo"), "Asia/Tokyo")).toBe(
      "2025-06-12T00:00:00+09:00",
    );
  });

  it("falls back to UTC for an unknown zone where a read must not fail", () => {
    expect(formatInZoneOrUtc(instant, "Mars/Olympus_Mons")).toBe("2025-06-12T13:30:00Z");
    expect(formatInZoneOrUtc(instant, NY)).toBe("2025-06-12T09:30:00-04:00");
  });

  it("does calendar arithmetic on dates and validates zones", () => {
    expect(addDays("2024-02-28", 1)).toBe("2024-02-29");
    expect(addDays("2025-12-31", 1)).toBe("2026-01-01");
    expect(addDays("2025-03-01", -1)).toBe("2025-02-28");
    expect(isValidTimeZone("Europe/Paris")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus_Mons")).toBe(false);
  });
});

describe("resolveTimeRange", () => {
  const now = new Date("2025-06-11T15:00:00Z"); // Wednesday 11:00 in New York

  it("defaults to now (or today's start) and seven days", () => {
    const fromNow = resolveTimeRange({ timeZone: NY, now, defaultStart: "now", defaultDays: 7 });
    expect(fromNow.start).toEqual(now);
    expect(formatInZone(fromNow.end, NY)).toBe("2025-06-18T11:00:00-04:00");
    const fromToday = resolveTimeRange({ timeZone: NY, now, defaultStart: "start-of-today", defaultDays: 7 });
    expect(formatInZone(fromToday.start, NY)).toBe("2025-06-11T00:00:00-04:00");
  });

  it("treats a bare start date alone as that whole day, and a bare end date inclusively", () => {
    const day = resolveTimeRange({
      start: "2025-06-12",
      timeZone: NY,
      now,
      defaultStart: "now",
      defaultDays: 7,
    });
    expect(formatInZone(day.start, NY)).toBe("2025-06-12T00:00:00-04:00");
    expect(formatInZone(day.end, NY)).toBe("2025-06-13T00:00:00-04:00");
    const span = resolveTimeRange({
      start: "2025-06-12T13:00",
      end: "2025-06-13",
      timeZone: NY,
      now,
      defaultStart: "now",
      defaultDays: 7,
    });
    expect(formatInZone(span.end, NY)).toBe("2025-06-14T00:00:00-04:00");
  });

  it("rejects an end that is not after the start", () => {
    expect(() =>
      resolveTimeRange({
        start: "2025-06-12T13:00",
        end: "2025-06-12T12:00",
        timeZone: NY,
        now,
        defaultStart: "now",
        defaultDays: 7,
      }),
    ).toThrow(/must be after/);
  });
});
