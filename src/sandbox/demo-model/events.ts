import { describeDay, formatDay, formatTime, type PlainDate, parseWhen, type TimeOfDay } from "./dates.js";
import { asRecords, field, listIn, stringIn } from "./plan.js";

/** A calendar event as the Google Calendar and Outlook tools return it, read defensively. */
export interface DemoEvent {
  id?: string;
  title: string;
  start?: { date: PlainDate; time?: TimeOfDay };
  end?: { date: PlainDate; time?: TimeOfDay };
  allDay: boolean;
  location?: string;
  attendees: string[];
}

function attendeeText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  return (
    stringIn(value, "email", "address", "name") ?? stringIn(field(value, "emailAddress"), "address", "name")
  );
}

export function readEvents(data: unknown, timeZone: string): DemoEvent[] {
  const zone = stringIn(data, "time_zone", "timeZone") ?? timeZone;
  return listIn(data, "events", "items", "value").map((record) => {
    const start = parseWhen(record.start, zone);
    const end = parseWhen(record.end, zone);
    const location = stringIn(record, "location") ?? stringIn(field(record, "location"), "displayName");
    const event: DemoEvent = {
      title: stringIn(record, "title", "subject", "summary") ?? "(untitled event)",
      allDay: record.all_day === true || record.isAllDay === true || (!!start && !start.time),
      attendees: asRecords(record.attendees)
        .map(attendeeText)
        .concat(
          Array.isArray(record.attendees)
            ? record.attendees.filter((a): a is string => typeof a === "string")
            : [],
        )
        .filter((a): a is string => !!a),
    };
    const id = stringIn(record, "id", "event_id");
    if (id) event.id = id;
    if (start) event.start = start;
    if (end) event.end = end;
    if (location) event.location = location;
    return event;
  });
}

/** "09:30–10:00", "all day", prefixed with the day when asked ("Thu 26 Nov 09:30–10:00"). */
export function eventWhen(event: DemoEvent, withDay: boolean): string {
  const day = withDay && event.start ? `${formatDay(event.start.date)} ` : "";
  if (event.allDay || !event.start?.time) return `${day}all day`;
  const end = event.end?.time ? `–${formatTime(event.end.time)}` : "";
  return `${day}${formatTime(event.start.time)}${end}`;
}

/** "tomorrow (Thu 26 Nov) at 12:00" */
export function eventMoment(event: DemoEvent, today: PlainDate): string {
  if (!event.start) return "at an unknown time";
  const day = describeDay(event.start.date, today);
  return event.start.time && !event.allDay ? `${day} at ${formatTime(event.start.time)}` : `${day}, all day`;
}

export function eventLine(event: DemoEvent, withDay: boolean): string {
  const where = event.location ? ` (${event.location})` : "";
  return `${eventWhen(event, withDay)} ${event.title}${where}`;
}

/** Lowercased text to match words of a request against. */
export function eventHaystack(event: DemoEvent): string {
  return [event.title, event.location ?? "", ...event.attendees].join(" ").toLowerCase();
}
