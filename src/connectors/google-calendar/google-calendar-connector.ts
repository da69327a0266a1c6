import { DelegateError } from "../../errors.js";
import { type ConnectorDefinition, connectorTool } from "../connector-tool.js";
import {
  addDays,
  formatInZone,
  formatUtc,
  isDateOnly,
  isValidTimeZone,
  parseDateTime,
  resolveTimeRange,
  startOfDate,
  type TimeRange,
} from "../shared/time.js";
import {
  EVENTS_PATH,
  eventPath,
  FREE_BUSY_PATH,
  type GoogleAttendee,
  type GoogleEvent,
  type GoogleEventList,
  type GoogleEventTime,
  type GoogleFreeBusyResponse,
} from "./api.js";
import { compactEvent, DETAIL_DESCRIPTION_LIMIT, LIST_DESCRIPTION_LIMIT } from "./format.js";
import { computeFreeSlots } from "./free-time.js";
import {
  CreateEventSchema,
  DeleteEventSchema,
  FindFreeTimeSchema,
  ListEventsSchema,
  UpdateEventSchema,
} from "./schemas.js";

const DEFAULT_DURATION_MINUTES = 30;
const MAX_FREE_SLOTS = 20;
const MAX_FREE_BUSY_DAYS = 62;
const WORKING_HOURS = { startHour: 9, endHour: 18 };

function invalid(message: string): DelegateError {
  return new DelegateError("TOOL_FAILED", `Invalid arguments: ${message}`, {
    details: { connector: "google-calendar" },
  });
}

/** Runs a range resolution and reports a bad range as the model's mistake, not a crash. */
function range(resolve: () => TimeRange): TimeRange {
  try {
    return resolve();
  } catch (error) {
    throw invalid((error as Error).message);
  }
}

function date(text: string): string {
  return text.trim().slice(0, 10);
}

function timed(instant: Date, timeZone: string): GoogleEventTime {
  return { dateTime: formatInZone(instant, timeZone), timeZone };
}

/** The instants an existing event occupies, reading all-day dates in the user's zone. */
function eventSpan(event: GoogleEvent, timeZone: string): { start: Date; end: Date } {
  const read = (time: GoogleEventTime) => {
    if (time.date) return startOfDate(time.date, timeZone);
    const zone = time.timeZone && isValidTimeZone(time.timeZone) ? time.timeZone : timeZone;
    return parseDateTime(time.dateTime ?? "", zone);
  };
  return { start: read(event.start), end: read(event.end) };
}

/** Builds `start`/`end` for a new event from the tool's arguments. */
function newEventTimes(
  input: { start: string; end?: string | undefined; duration_minutes?: number | undefined },
  timeZone: string,
): { start: GoogleEventTime; end: GoogleEventTime } {
  if (isDateOnly(input.start)) {
    if (input.end !== undefined && !isDateOnly(input.end)) {
      throw invalid("an all-day event (start is a date) needs end as a date too");
    }
    const lastDay = input.end === undefined ? date(input.start) : date(input.end);
    if (lastDay < date(input.start)) throw invalid("end must not be before start");
    return { start: { date: date(input.start) }, end: { date: addDays(lastDay, 1) } };
  }
  if (input.end !== undefined && isDateOnly(input.end)) {
    throw invalid("end must be a date-time when start is a date-time");
  }
  const start = parseDateTime(input.start, timeZone);
  const end =
    input.end !== undefined
      ? parseDateTime(input.end, timeZone)
      : new Date(start.getTime() + (input.duration_minutes ?? DEFAULT_DURATION_MINUTES) * 60_000);
  if (end.getTime() <= start.getTime()) throw invalid("end must be after start");
  return { start: timed(start, timeZone), end: timed(end, timeZone) };
}

/** Builds the patched `start`/`end`, keeping the event's length when only the start moves. */
function movedEventTimes(
  existing: GoogleEvent,
  input: { start?: string | undefined; end?: string | undefined },
  timeZone: string,
): { start?: GoogleEventTime; end?: GoogleEventTime } {
  const wasAllDay = existing.start.date !== undefined;
  const span = eventSpan(existing, timeZone);
  if (input.start !== undefined && isDateOnly(input.start)) {
    if (input.end !== undefined && !isDateOnly(input.end))
      throw invalid("an all-day start needs a date as end");
    const days = wasAllDay
      ? Math.max(1, Math.round((span.end.getTime() - span.start.getTime()) / 86_400_000))
      : 1;
    const endDate = input.end !== undefined ? addDays(date(input.end), 1) : addDays(date(input.start), days);
    if (endDate <= date(input.start)) throw invalid("end must not be before start");
    return { start: { date: date(input.start) }, end: { date: endDate } };
  }
  if (input.start !== undefined) {
    if (input.end !== undefined && isDateOnly(input.end))
      throw invalid("end must be a date-time when start is one");
    const start = parseDateTime(input.start, timeZone);
    const length = wasAllDay ? DEFAULT_DURATION_MINUTES * 60_000 : span.end.getTime() - span.start.getTime();
    const end =
      input.end !== undefined ? parseDateTime(input.end, timeZone) : new Date(start.getTime() + length);
    if (end.getTime() <= start.getTime()) throw invalid("end must be after start");
    return { start: timed(start, timeZone), end: timed(end, timeZone) };
  }
  if (input.end === undefined) return {};
  if (wasAllDay) {
    if (!isDateOnly(input.end)) throw invalid("this is an all-day event; give end as a date");
    const endDate = addDays(date(input.end), 1);
    if (endDate <= (existing.start.date ?? "")) throw invalid("end must not be before the event's start");
    return { end: { date: endDate } };
  }
  if (isDateOnly(input.end)) throw invalid("this is a timed event; give end as a date-time");
  const end = parseDateTime(input.end, timeZone);
  if (end.getTime() <= span.start.getTime()) throw invalid("end must be after the event's start");
  return { end: timed(end, timeZone) };
}

/** Keeps guests' response status for people who stay on the list. */
function mergeAttendees(
  existing: readonly GoogleAttendee[] | undefined,
  emails: readonly string[],
): GoogleAttendee[] {
  const known = new Map((existing ?? []).map((attendee) => [attendee.email.toLowerCase(), attendee]));
  return emails.map((email) => known.get(email.toLowerCase()) ?? { email });
}

const listEvents = connectorTool({
  name: "google_calendar_list_events",
  description:
    "List events on the user's primary Google Calendar in a time range (default: the next 7 days), optionally filtered by text. Use a bare date such as 2025-06-12 as time_min to get that whole day.",
  schema: ListEventsSchema,
  async run(input, { http, timeZone, now }) {
    const { start, end } = range(() =>
      resolveTimeRange({
        start: input.time_min,
        end: input.time_max,
        timeZone,
        now,
        defaultStart: "now",
        defaultDays: 7,
      }),
    );
    const list = await http.request<GoogleEventList>({
      path: EVENTS_PATH,
      query: {
        timeMin: formatInZone(start, timeZone),
        timeMax: formatInZone(end, timeZone),
        singleEvents: true,
        orderBy: "startTime",
        maxResults: input.max_results,
        q: input.query,
        timeZone,
      },
    });
    const events = (list.items ?? [])
      .filter((event) => event.status !== "cancelled")
      .map((event) => compactEvent(event, timeZone, LIST_DESCRIPTION_LIMIT));
    return {
      time_zone: timeZone,
      from: formatInZone(start, timeZone),
      to: formatInZone(end, timeZone),
      events,
      ...(list.nextPageToken ? { more: true } : {}),
    };
  },
});

const createEvent = connectorTool({
  name: "google_calendar_create_event",
  description:
    "Create an event on the user's primary Google Calendar and invite the given guests. Give end or duration_minutes (default 30 minutes); a bare date as start makes an all-day event.",
  schema: CreateEventSchema,
  sideEffect: true,
  async run(input, { http, timeZone }) {
    const body: Partial<GoogleEvent> = { summary: input.title, ...newEventTimes(input, timeZone) };
    if (input.attendees?.length) body.attendees = input.attendees.map((email) => ({ email }));
    if (input.location) body.location = input.location;
    if (input.description) body.description = input.description;
    const created = await http.request<GoogleEvent>({
      method: "POST",
      path: EVENTS_PATH,
      query: { sendUpdates: input.attendees?.length ? "all" : "none" },
      body,
    });
    return compactEvent(created, timeZone, DETAIL_DESCRIPTION_LIMIT);
  },
});

const updateEvent = connectorTool({
  name: "google_calendar_update_event",
  description:
    "Change an event on the user's primary Google Calendar: title, time, location, description or guest list. Moving only the start keeps the event's length; guests are notified.",
  schema: UpdateEventSchema,
  sideEffect: true,
  async run(input, { http, timeZone }) {
    const patch: Partial<GoogleEvent> = {};
    if (input.title !== undefined) patch.summary = input.title;
    if (input.location !== undefined) patch.location = input.location;
    if (input.description !== undefined) patch.description = input.description;
    const needsCurrent =
      input.start !== undefined || input.end !== undefined || input.attendees !== undefined;
    if (needsCurrent) {
      const current = await http.request<GoogleEvent>({
        path: eventPath(input.event_id),
        query: { timeZone },
      });
      Object.assign(patch, movedEventTimes(current, input, timeZone));
      if (input.attendees !== undefined) patch.attendees = mergeAttendees(current.attendees, input.attendees);
    }
    const updated = await http.request<GoogleEvent>({
      method: "PATCH",
      path: eventPath(input.event_id),
      query: { sendUpdates: "all" },
      body: patch,
    });
    return compactEvent(updated, timeZone, DETAIL_DESCRIPTION_LIMIT);
  },
});

const deleteEvent = connectorTool({
  name: "google_calendar_delete_event",
  description:
    "Delete an event from the user's primary Google Calendar; guests are notified of the cancellation.",
  schema: DeleteEventSchema,
  sideEffect: true,
  async run(input, { http }) {
    await http.request({ method: "DELETE", path: eventPath(input.event_id), query: { sendUpdates: "all" } });
    return { deleted: true, event_id: input.event_id };
  },
});

const findFreeTime = connectorTool({
  name: "google_calendar_find_free_time",
  description:
    "Find free slots of at least duration_minutes on the user's primary Google Calendar between time_min and time_max, by default only 09:00–18:00 on weekdays in the user's time zone (set working_hours_only=false for evenings or weekends). Slots are whole free gaps; pick a start inside one.",
  schema: FindFreeTimeSchema,
  async run(input, { http, timeZone, now }) {
    const requested = range(() =>
      resolveTimeRange({
        start: input.time_min,
        end: input.time_max,
        timeZone,
        now,
        defaultStart: "now",
        defaultDays: 1,
      }),
    );
    if (requested.end.getTime() - requested.start.getTime() > MAX_FREE_BUSY_DAYS * 86_400_000) {
      throw invalid(`the range may span at most ${MAX_FREE_BUSY_DAYS} days`);
    }
    // Free time in the past is of no use to anyone.
    const start = new Date(Math.max(requested.start.getTime(), now.getTime()));
    const base = { time_zone: timeZone, duration_minutes: input.duration_minutes };
    if (start.getTime() >= requested.end.getTime())
      return { ...base, slots: [], note: "the range is in the past" };
    const answer = await http.request<GoogleFreeBusyResponse>({
      method: "POST",
      path: FREE_BUSY_PATH,
      body: {
        timeMin: formatUtc(start),
        timeMax: formatUtc(requested.end),
        timeZone,
        items: [{ id: "primary" }],
      },
    });
    const calendar = answer.calendars?.primary;
    const reason = calendar?.errors?.[0]?.reason;
    if (!calendar || reason) {
      throw new DelegateError(
        "PROVIDER_ERROR",
        `Google Calendar could not report free/busy time (${reason ?? "no data"}).`,
        {
          details: { connector: "google-calendar" },
        },
      );
    }
    const slots = computeFreeSlots({
      range: { start: start.getTime(), end: requested.end.getTime() },
      busy: (calendar.busy ?? []).map((block) => ({
        start: Date.parse(block.start),
        end: Date.parse(block.end),
      })),
      durationMinutes: input.duration_minutes,
      timeZone,
      ...(input.working_hours_only ? { workingHours: WORKING_HOURS } : {}),
    });
    return {
      ...base,
      slots: slots.slice(0, MAX_FREE_SLOTS).map((slot) => ({
        start: formatInZone(new Date(slot.start), timeZone),
        end: formatInZone(new Date(slot.end), timeZone),
      })),
      ...(slots.length > MAX_FREE_SLOTS ? { more: true } : {}),
    };
  },
});

/** Google Calendar (primary calendar) through the Calendar v3 REST API. */
export const googleCalendarConnector: ConnectorDefinition = {
  id: "google-calendar",
  defaultBaseUrl: "https://www.googleapis.com",
  tools: [listEvents, createEvent, updateEvent, deleteEvent, findFreeTime],
};
