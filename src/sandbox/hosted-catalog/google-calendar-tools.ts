import { knownZone, readStamp, rfc3339, wallToEpoch } from "../providers/zoned-time.js";
import { GrpcCode, HostedToolError } from "../scalekit/index.js";
import { annotations, CREATE, DELETE, pick, READ, type ToolSpec, UPDATE } from "./catalog-support.js";
import { boolean, integer, objectSchema, string, stringArray, stringEnum } from "./json-schema.js";
import { invalidInput, type ToolInput } from "./tool-input.js";
import { addMinutes, minutesBetween } from "./wall-time.js";

interface CalendarTime {
  date?: string;
  dateTime?: string;
  timeZone?: string;
}

interface CalendarEvent {
  id: string;
  status?: string;
  summary?: string;
  description?: string;
  location?: string;
  htmlLink?: string;
  start?: CalendarTime;
  end?: CalendarTime;
  attendees?: { email: string; responseStatus?: string }[];
  organizer?: { email?: string };
}

interface FreeBusyCalendar {
  busy?: { start: string; end: string }[];
  errors?: { reason?: string }[];
}

const DEFAULT_DURATION_MINUTES = 30;
const WEEK_MS = 7 * 86_400_000;

const eventFields = {
  summary: string("Event title"),
  start_datetime: string("Start, ISO 8601, e.g. 2026-11-26T09:30:00 (with timezone) or with an offset"),
  event_duration_hour: integer("Duration hours (default 0)", 0, 24),
  event_duration_minutes: integer("Duration minutes (default 30)", 0, 59),
  timezone: string("IANA time zone of start_datetime, e.g. Europe/Berlin"),
  attendees_emails: stringArray("Attendee email addresses"),
  description: string("Event description"),
  location: string("Event location"),
  transparency: stringEnum(["opaque", "transparent"], "Busy (opaque) or free"),
};

const calendarId = string("Calendar id; default primary");

export const googleCalendarTools: ToolSpec[] = [
  {
    name: "googlecalendar_list_events",
    description: "List events from the user's Google Calendar, by default the coming week.",
    input: objectSchema({
      calendar_id: calendarId,
      time_min: string("RFC 3339 lower bound, e.g. 2026-11-26T00:00:00Z; default now"),
      time_max: string("RFC 3339 upper bound; default a week after time_min when neither is given"),
      query: string("Free-text search in title, description, location and attendees"),
      max_results: integer("How many events to return (1-250)", 1, 250),
      single_events: boolean("Expand recurring events (default true)"),
      order_by: stringEnum(["startTime", "updated"], "Sort order (default startTime)"),
      page_token: string("Token from a previous call's next_page_token"),
    }),
    annotations: annotations("List calendar events", READ),
    async run(input, api) {
      const timeMin = input.string("time_min");
      const timeMax = input.string("time_max");
      const now = Date.now();
      const singleEvents = input.boolean("single_events") ?? true;
      const list = (await api(eventsPath(input), {
        query: {
          timeMin: timeMin ?? (timeMax === undefined ? new Date(now).toISOString() : undefined),
          timeMax: timeMax ?? (timeMin === undefined ? new Date(now + WEEK_MS).toISOString() : undefined),
          q: input.string("query"),
          maxResults: input.number("max_results") ?? 25,
          singleEvents,
          orderBy: input.string("order_by") ?? (singleEvents ? "startTime" : undefined),
          pageToken: input.string("page_token"),
        },
      })) as { items?: CalendarEvent[]; nextPageToken?: string };
      return {
        events: (list.items ?? []).map(summarize),
        ...(list.nextPageToken && { next_page_token: list.nextPageToken }),
      };
    },
  },
  {
    // Google's free/busy query (POST /freeBusy) with the gaps worked out, named like Scalekit's
    // other Google Calendar tools (`googlecalendar_<verb>_<object>`).
    name: "googlecalendar_find_free_slots",
    description:
      "Find free time in the user's Google Calendar between time_min and time_max: the busy blocks, and the free slots at least duration_minutes long.",
    input: objectSchema(
      {
        time_min: string(
          "Start of the range: RFC 3339 (2026-11-26T09:00:00+01:00 or …Z), or a wall time (2026-11-26T09:00:00) in timezone",
        ),
        time_max: string("End of the range, in the same forms as time_min"),
        duration_minutes: integer("Shortest free slot to report, in minutes (default 30)", 1, 1440),
        timezone: string("IANA time zone for wall times and for the answer, e.g. Europe/Berlin; default UTC"),
        calendar_id: calendarId,
      },
      ["time_min", "time_max"],
    ),
    annotations: annotations("Find free calendar slots", READ),
    async run(input, api) {
      const zone = input.string("timezone");
      if (zone !== undefined && !knownZone(zone)) throw invalidInput(`Unknown time zone: ${zone}`);
      const from = instant(input, "time_min", zone);
      const to = instant(input, "time_max", zone);
      if (to <= from) throw invalidInput('"time_max" must be after "time_min".');
      const calendar = input.string("calendar_id") || "primary";
      const minutes = input.number("duration_minutes") ?? DEFAULT_DURATION_MINUTES;
      const answer = (await api("/calendar/v3/freeBusy", {
        method: "POST",
        body: {
          timeMin: new Date(from).toISOString(),
          timeMax: new Date(to).toISOString(),
          ...(zone && { timeZone: zone }),
          items: [{ id: calendar }],
        },
      })) as { calendars?: Record<string, FreeBusyCalendar> };
      const found = answer.calendars?.[calendar];
      if (!found || found.errors?.length) {
        throw new HostedToolError(GrpcCode.NotFound, "NOT_FOUND", `Not found: calendar ${calendar}`);
      }
      const busy = (found.busy ?? [])
        .map((block) => ({ start: Date.parse(block.start), end: Date.parse(block.end) }))
        .filter((block) => block.end > block.start)
        .sort((a, b) => a.start - b.start);
      const format = (at: number) => rfc3339(at, zone);
      return {
        calendar_id: calendar,
        time_min: format(from),
        time_max: format(to),
        timezone: zone ?? "UTC",
        duration_minutes: minutes,
        busy: busy.map((block) => ({ start: format(block.start), end: format(block.end) })),
        free_slots: freeGaps(from, to, busy, minutes).map((gap) => ({
          start: format(gap.start),
          end: format(gap.end),
          minutes: Math.floor((gap.end - gap.start) / 60_000),
        })),
      };
    },
  },
  {
    name: "googlecalendar_create_event",
    description: "Create an event in the user's Google Calendar.",
    input: objectSchema({ ...eventFields, calendar_id: calendarId }, ["summary", "start_datetime"]),
    annotations: annotations("Create calendar event", CREATE),
    async run(input, api) {
      const start = input.required("start_datetime");
      const minutes = duration(input) ?? DEFAULT_DURATION_MINUTES;
      const event = (await api(eventsPath(input), {
        method: "POST",
        body: {
          ...eventBody(input),
          summary: input.required("summary"),
          ...span(input, start, minutes),
        },
      })) as CalendarEvent;
      return summarize(event);
    },
  },
  {
    name: "googlecalendar_update_event",
    description: "Update an event in the user's Google Calendar; fields not given stay as they are.",
    input: objectSchema(
      {
        calendar_id: calendarId,
        event_id: string("The event id"),
        ...eventFields,
        end_datetime: string("New end, ISO 8601; default start plus the duration (or the old length)"),
      },
      ["event_id"],
    ),
    annotations: annotations("Update calendar event", UPDATE),
    async run(input, api) {
      const path = `${eventsPath(input)}/${encodeURIComponent(input.required("event_id"))}`;
      const start = input.string("start_datetime");
      const end = input.string("end_datetime");
      let times: Record<string, CalendarTime> = {};
      if (start !== undefined && end !== undefined) {
        times = { start: zoned(input, start), end: zoned(input, end) };
      } else if (start !== undefined) {
        let minutes = duration(input);
        if (minutes === undefined) {
          const current = (await api(path)) as CalendarEvent;
          minutes = lengthOf(current) ?? DEFAULT_DURATION_MINUTES;
        }
        times = span(input, start, minutes);
      } else if (end !== undefined) {
        times = { end: zoned(input, end) };
      }
      const summary = input.string("summary");
      const event = (await api(path, {
        method: "PATCH",
        body: { ...eventBody(input), ...(summary !== undefined && { summary }), ...times },
      })) as CalendarEvent;
      return summarize(event);
    },
  },
  {
    name: "googlecalendar_delete_event",
    description: "Delete an event from the user's Google Calendar.",
    input: objectSchema({ event_id: string("The event id"), calendar_id: calendarId }, ["event_id"]),
    annotations: annotations("Delete calendar event", DELETE),
    async run(input, api) {
      const id = input.required("event_id");
      await api(`${eventsPath(input)}/${encodeURIComponent(id)}`, { method: "DELETE" });
      return { deleted: true, event_id: id };
    },
  },
];

/** A range bound as epoch ms: an exact RFC 3339 instant, or a wall time in `zone`. */
function instant(input: ToolInput, name: string, zone: string | undefined): number {
  const text = input.required(name);
  const stamp = readStamp(text);
  if (stamp?.kind === "exact") return stamp.epochMs;
  if (stamp?.kind === "wall" && zone !== undefined) return wallToEpoch(stamp.wall, zone);
  throw invalidInput(
    stamp?.kind === "wall"
      ? `"${name}" has no offset: give one, or a timezone`
      : `"${name}" is not an RFC 3339 date-time: ${text}`,
  );
}

/** The gaps of at least `minutes` in [from, to) that no busy block covers. */
function freeGaps(
  from: number,
  to: number,
  busy: readonly { start: number; end: number }[],
  minutes: number,
): { start: number; end: number }[] {
  const gaps: { start: number; end: number }[] = [];
  let cursor = from;
  for (const block of [...busy, { start: to, end: to }]) {
    const end = Math.min(block.start, to);
    if (end - cursor >= minutes * 60_000) gaps.push({ start: cursor, end });
    cursor = Math.max(cursor, block.end);
    if (cursor >= to) break;
  }
  return gaps;
}

function eventsPath(input: ToolInput): string {
  const calendar = input.string("calendar_id") || "primary";
  return `/calendar/v3/calendars/${encodeURIComponent(calendar)}/events`;
}

/** The writable fields other than summary and times. */
function eventBody(input: ToolInput): Record<string, unknown> {
  const attendees = input.list("attendees_emails");
  const body: Record<string, unknown> = {};
  for (const field of ["description", "location", "transparency"] as const) {
    const value = input.string(field);
    if (value !== undefined) body[field] = value;
  }
  if (attendees !== undefined) body.attendees = attendees.map((email) => ({ email }));
  return body;
}

function duration(input: ToolInput): number | undefined {
  const hours = input.number("event_duration_hour");
  const minutes = input.number("event_duration_minutes");
  if (hours === undefined && minutes === undefined) return undefined;
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

function span(input: ToolInput, start: string, minutes: number): Record<string, CalendarTime> {
  const end = addMinutes(start, minutes);
  if (end === undefined) throw invalidInput(`"start_datetime" is not an ISO 8601 date-time: ${start}`);
  return { start: zoned(input, start), end: zoned(input, end) };
}

/** A date-time in the call's `timezone`, when one is given. */
function zoned(input: ToolInput, dateTime: string): CalendarTime {
  const timeZone = input.string("timezone");
  return { dateTime, ...(timeZone && { timeZone }) };
}

function lengthOf(event: CalendarEvent): number | undefined {
  const start = event.start?.dateTime;
  const end = event.end?.dateTime;
  return start && end ? minutesBetween(start, end) : undefined;
}

function summarize(event: CalendarEvent) {
  return {
    ...pick(event, ["id", "status", "summary", "description", "location", "start", "end"]),
    attendees: (event.attendees ?? []).map((attendee) => ({
      email: attendee.email,
      response_status: attendee.responseStatus,
    })),
    organizer: event.organizer?.email,
    html_link: event.htmlLink,
  };
}
