import {
  describeDay,
  formatDay,
  formatTime,
  type PlainDate,
  parseTimeOfDay,
  parseWhen,
  type TimeOfDay,
} from "./dates.js";
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

const ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"];
const FILLER = new Set([
  "the",
  "one",
  "that",
  "this",
  "my",
  "event",
  "meeting",
  "please",
  "at",
  "on",
  "is",
  "it",
]);

/** The time an answer names: "3pm", "at 10", "15:00". */
function answeredTime(answer: string): TimeOfDay | undefined {
  const clock = /\b(\d{1,2}):(\d{2})\b/.exec(answer);
  if (clock) return { hour: Number(clock[1]), minute: Number(clock[2]) };
  return parseTimeOfDay(answer);
}

/**
 * The event an answer to "Which one?" picks from a numbered list: by number ("2", "#2", "the
 * second one", "last"), by start time ("the 3pm one", "15:00"), or by title words. Undefined when
 * the answer fits none or several.
 */
export function pickEvent(events: readonly DemoEvent[], answer: string): DemoEvent | undefined {
  const said = answer
    .toLowerCase()
    .replace(/[.!?]+$/, "")
    .trim();
  const number = /^(?:#|no\.?\s*|number\s+|option\s+)?(\d{1,2})(?:st|nd|rd|th)?(?:\s+one)?$/.exec(said);
  if (number && Number(number[1]) >= 1 && Number(number[1]) <= events.length)
    return events[Number(number[1]) - 1];
  const ordinal = new RegExp(`\\b(${ORDINALS.join("|")}|last)\\b`).exec(said)?.[1];
  if (ordinal) return ordinal === "last" ? events.at(-1) : events[ORDINALS.indexOf(ordinal)];
  const unique = (found: readonly DemoEvent[]) => (found.length === 1 ? found[0] : undefined);
  const time = answeredTime(said);
  if (time) {
    const at = events.filter(
      (event) => event.start?.time?.hour === time.hour && event.start.time.minute === time.minute,
    );
    if (at.length) return unique(at);
  }
  const exact = unique(events.filter((event) => event.title.toLowerCase() === said));
  if (exact) return exact;
  const words = said.split(/[^\p{L}\p{N}@.]+/u).filter((word) => word.length > 1 && !FILLER.has(word));
  if (!words.length) return undefined;
  return unique(events.filter((event) => words.every((word) => eventHaystack(event).includes(word))));
}
