/** A stored event in Google's wire shape, its times written in a given zone. */
import { rfc3339 } from "../zoned-time.js";
import { type CalendarState, isOwner } from "./calendar.js";
import type { StoredCalendarEvent, StoredTime } from "./google-calendar-seed.js";

function renderTime(time: StoredTime, zone: string) {
  return time.kind === "date"
    ? { date: time.date }
    : { dateTime: rfc3339(time.at, zone), timeZone: time.timeZone };
}

export function renderEvent(
  event: StoredCalendarEvent,
  state: CalendarState,
  zone: string,
): Record<string, unknown> {
  const self = (email: string) => isOwner(email, state);
  const wire: Record<string, unknown> = {
    kind: "calendar#event",
    etag: `"${event.updated}${event.sequence}"`,
    id: event.id,
    status: "confirmed",
    htmlLink: `https://www.google.com/calendar/event?eid=${Buffer.from(`${event.id} ${state.owner.email}`).toString("base64url")}`,
    created: new Date(event.created).toISOString(),
    updated: new Date(event.updated).toISOString(),
    summary: event.summary,
    description: event.description,
    location: event.location,
    creator: { email: state.owner.email, self: true },
    organizer: { ...event.organizer, ...(self(event.organizer.email) ? { self: true } : {}) },
    start: renderTime(event.start, zone),
    end: renderTime(event.end, zone),
    recurringEventId: event.recurringEventId,
    originalStartTime: event.recurringEventId ? renderTime(event.start, zone) : undefined,
    transparency: event.transparency,
    iCalUID: event.iCalUID,
    sequence: event.sequence,
    attendees:
      event.attendees.length > 0
        ? event.attendees.map((attendee) => ({
            ...attendee,
            ...(self(attendee.email) ? { self: true } : {}),
          }))
        : undefined,
    hangoutLink: event.hangoutLink,
    reminders: { useDefault: true },
    eventType: "default",
  };
  // Dropping the undefined fields as JSON does, so absent fields are absent on the wire too.
  return JSON.parse(JSON.stringify(wire)) as Record<string, unknown>;
}
