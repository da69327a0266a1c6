/** Event boundaries in Google Calendar's wire format, both ways. */
import type { EventBoundary, EventTimes } from "../shared/calendar.js";
import { formatInZone, isValidTimeZone, parseDateTime } from "../shared/time.js";
import type { GoogleEvent, GoogleEventTime } from "./api.js";

/** Google's `{ date }` for all-day boundaries, `{ dateTime, timeZone }` for timed ones. */
function toGoogleTime(boundary: EventBoundary, timeZone: string): GoogleEventTime {
  return boundary.date !== undefined
    ? { date: boundary.date }
    : { dateTime: formatInZone(boundary.at, timeZone), timeZone };
}

export function toGoogleTimes(times: Partial<EventTimes>, timeZone: string): Partial<GoogleEvent> {
  return {
    ...(times.start ? { start: toGoogleTime(times.start, timeZone) } : {}),
    ...(times.end ? { end: toGoogleTime(times.end, timeZone) } : {}),
  };
}

/** An existing event's boundaries; a dateTime without offset is a wall time in the event's own zone. */
function fromGoogleTime(time: GoogleEventTime, timeZone: string): EventBoundary {
  if (time.date) return { date: time.date };
  const zone = time.timeZone && isValidTimeZone(time.timeZone) ? time.timeZone : timeZone;
  return { at: parseDateTime(time.dateTime ?? "", zone) };
}

export function googleEventSpan(event: GoogleEvent, timeZone: string): EventTimes {
  return { start: fromGoogleTime(event.start, timeZone), end: fromGoogleTime(event.end, timeZone) };
}
