import { Code } from "@connectrpc/connect";
import { type HostedTool, HostedToolError } from "../scalekit/index.js";
import {
  annotations,
  boolean,
  CREATE,
  DELETE,
  defineTools,
  integer,
  objectSchema,
  type ProviderApi,
  param,
  READ,
  requiredString,
  string,
  stringArray,
  stringList,
  type ToolSpec,
  UPDATE,
} from "./catalog-support.js";
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
  transparency: { type: "string", enum: ["opaque", "transparent"], description: "Busy (opaque) or free" },
};

const calendarId = string("Calendar id; default primary");

const specs: ToolSpec[] = [
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
      order_by: {
        type: "string",
        enum: ["startTime", "updated"],
        description: "Sort order (default startTime)",
      },
      page_token: string("Token from a previous call's next_page_token"),
    }),
    annotations: annotations("List calendar events", READ),
    async run({ accessToken, params }, api) {
      const timeMin = param(params, "time_min", "string");
      const timeMax = param(params, "time_max", "string");
      const now = Date.now();
      const singleEvents = param(params, "single_events", "boolean") ?? true;
      const list = (await api(accessToken, eventsPath(params), {
        query: {
          timeMin: timeMin ?? (timeMax === undefined ? new Date(now).toISOString() : undefined),
          timeMax: timeMax ?? (timeMin === undefined ? new Date(now + WEEK_MS).toISOString() : undefined),
          q: param(params, "query", "string"),
          maxResults: param(params, "max_results", "number") ?? 25,
          singleEvents,
          orderBy: param(params, "order_by", "string") ?? (singleEvents ? "startTime" : undefined),
          pageToken: param(params, "page_token", "string"),
        },
      })) as { items?: CalendarEvent[]; nextPageToken?: string };
      return {
        events: (list.items ?? []).map(summarize),
        ...(list.nextPageToken && { next_page_token: list.nextPageToken }),
      };
    },
  },
  {
    name: "googlecalendar_create_event",
    description: "Create an event in the user's Google Calendar.",
    input: objectSchema({ ...eventFields, calendar_id: calendarId }, ["summary", "start_datetime"]),
    annotations: annotations("Create calendar event", CREATE),
    async run({ accessToken, params }, api) {
      const start = requiredString(params, "start_datetime");
      const minutes = duration(params) ?? DEFAULT_DURATION_MINUTES;
      const event = (await api(accessToken, eventsPath(params), {
        method: "POST",
        body: {
          ...eventBody(params),
          summary: requiredString(params, "summary"),
          ...span(params, start, minutes),
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
    async run({ accessToken, params }, api) {
      const path = `${eventsPath(params)}/${encodeURIComponent(requiredString(params, "event_id"))}`;
      const start = param(params, "start_datetime", "string");
      const end = param(params, "end_datetime", "string");
      let times: Record<string, CalendarTime> = {};
      if (start !== undefined && end !== undefined) {
        const timeZone = param(params, "timezone", "string");
        times = {
          start: { dateTime: start, ...(timeZone && { timeZone }) },
          end: { dateTime: end, ...(timeZone && { timeZone }) },
        };
      } else if (start !== undefined) {
        let minutes = duration(params);
        if (minutes === undefined) {
          const current = (await api(accessToken, path)) as CalendarEvent;
          minutes = lengthOf(current) ?? DEFAULT_DURATION_MINUTES;
        }
        times = span(params, start, minutes);
      } else if (end !== undefined) {
        const timeZone = param(params, "timezone", "string");
        times = { end: { dateTime: end, ...(timeZone && { timeZone }) } };
      }
      const summary = param(params, "summary", "string");
      const event = (await api(accessToken, path, {
        method: "PATCH",
        body: { ...eventBody(params), ...(summary !== undefined && { summary }), ...times },
      })) as CalendarEvent;
      return summarize(event);
    },
  },
  {
    name: "googlecalendar_delete_event",
    description: "Delete an event from the user's Google Calendar.",
    input: objectSchema({ event_id: string("The event id"), calendar_id: calendarId }, ["event_id"]),
    annotations: annotations("Delete calendar event", DELETE),
    async run({ accessToken, params }, api) {
      const id = requiredString(params, "event_id");
      await api(accessToken, `${eventsPath(params)}/${encodeURIComponent(id)}`, { method: "DELETE" });
      return { deleted: true, event_id: id };
    },
  },
];

export function googleCalendarTools(connection: string, api: ProviderApi): HostedTool[] {
  return defineTools(connection, "GOOGLECALENDAR", api, specs);
}

function eventsPath(params: Record<string, unknown>): string {
  const calendar = param(params, "calendar_id", "string") || "primary";
  return `/calendar/v3/calendars/${encodeURIComponent(calendar)}/events`;
}

/** The writable fields other than summary and times. */
function eventBody(params: Record<string, unknown>): Record<string, unknown> {
  const attendees = stringList(params, "attendees_emails");
  const body: Record<string, unknown> = {};
  for (const field of ["description", "location", "transparency"] as const) {
    const value = param(params, field, "string");
    if (value !== undefined) body[field] = value;
  }
  if (attendees !== undefined) body.attendees = attendees.map((email) => ({ email }));
  return body;
}

function duration(params: Record<string, unknown>): number | undefined {
  const hours = param(params, "event_duration_hour", "number");
  const minutes = param(params, "event_duration_minutes", "number");
  if (hours === undefined && minutes === undefined) return undefined;
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

function span(params: Record<string, unknown>, start: string, minutes: number): Record<string, CalendarTime> {
  const end = addMinutes(start, minutes);
  if (end === undefined) {
    throw new HostedToolError(
      Code.InvalidArgument,
      "INVALID_INPUT",
      `"start_datetime" is not an ISO 8601 date-time: ${start}`,
    );
  }
  const timeZone = param(params, "timezone", "string");
  const zone = timeZone ? { timeZone } : {};
  return { start: { dateTime: start, ...zone }, end: { dateTime: end, ...zone } };
}

function lengthOf(event: CalendarEvent): number | undefined {
  const start = event.start?.dateTime;
  const end = event.end?.dateTime;
  return start && end ? minutesBetween(start, end) : undefined;
}

function summarize(event: CalendarEvent) {
  return {
    id: event.id,
    status: event.status,
    summary: event.summary,
    description: event.description,
    location: event.location,
    start: event.start,
    end: event.end,
    attendees: (event.attendees ?? []).map((attendee) => ({
      email: attendee.email,
      response_status: attendee.responseStatus,
    })),
    organizer: event.organizer?.email,
    html_link: event.htmlLink,
  };
}
