import { DelegateError } from "../../errors.js";
import { type ConnectorDefinition, connectorTool } from "../connector-tool.js";
import {
  invalidArguments,
  movedEventTimes,
  newEventTimes,
  type RangeDefaults,
  toolTimeRange,
} from "../shared/calendar.js";
import { changesTimeOrGuests, eventListing, eventWriteTool } from "../shared/event-tools.js";
import { formatInZone, formatUtc } from "../shared/time.js";
import {
  EVENTS_PATH,
  eventPath,
  FREE_BUSY_PATH,
  type GoogleAttendee,
  type GoogleEvent,
  type GoogleEventList,
  type GoogleFreeBusyResponse,
} from "./api.js";
import { compactEvent, DETAIL_DESCRIPTION_LIMIT, LIST_DESCRIPTION_LIMIT } from "./format.js";
import { computeFreeSlots } from "./free-time.js";
import { googleEventSpan, toGoogleTimes } from "./google-time.js";
import {
  CreateEventSchema,
  DeleteEventSchema,
  FindFreeTimeSchema,
  ListEventsSchema,
  UpdateEventSchema,
} from "./schemas.js";

const NEXT_WEEK = { defaultStart: "now", defaultDays: 7 } as const;
const NEXT_DAY = { defaultStart: "now", defaultDays: 1 } as const;
const MAX_FREE_SLOTS = 20;
const MAX_FREE_BUSY_DAYS = 62;
const WORKING_HOURS = { startHour: 9, endHour: 18 };

/** The range a tool's time_min and time_max arguments name. */
function requestedRange(
  input: { time_min?: string | undefined; time_max?: string | undefined },
  clock: { timeZone: string; now: Date },
  defaults: RangeDefaults,
) {
  return toolTimeRange("google-calendar", [input.time_min, input.time_max], clock, defaults);
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
  effect: "read",
  async run(input, { http, timeZone, now }) {
    const range = requestedRange(input, { timeZone, now }, NEXT_WEEK);
    const list = await http.request<GoogleEventList>({
      path: EVENTS_PATH,
      query: {
        timeMin: formatInZone(range.start, timeZone),
        timeMax: formatInZone(range.end, timeZone),
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
    return eventListing(range, timeZone, events, Boolean(list.nextPageToken));
  },
});

const createEvent = eventWriteTool("create", {
  name: "google_calendar_create_event",
  description:
    "Create an event on the user's primary Google Calendar and invite the given guests. Give end or duration_minutes (default 30 minutes); a bare date as start makes an all-day event.",
  schema: CreateEventSchema,
  async run(input, { http, timeZone }) {
    const body: Partial<GoogleEvent> = {
      summary: input.title,
      ...toGoogleTimes(newEventTimes("google-calendar", input, timeZone), timeZone),
    };
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

const updateEvent = eventWriteTool("update", {
  name: "google_calendar_update_event",
  description:
    "Change an event on the user's primary Google Calendar: title, time, location, description or guest list. Moving only the start keeps the event's length; guests are notified.",
  schema: UpdateEventSchema,
  async run(input, { http, timeZone }) {
    const patch: Partial<GoogleEvent> = {};
    if (input.title !== undefined) patch.summary = input.title;
    if (input.location !== undefined) patch.location = input.location;
    if (input.description !== undefined) patch.description = input.description;
    if (changesTimeOrGuests(input)) {
      const current = await http.request<GoogleEvent>({
        path: eventPath(input.event_id),
        query: { timeZone },
      });
      const moved = movedEventTimes("google-calendar", googleEventSpan(current, timeZone), input, timeZone);
      Object.assign(patch, toGoogleTimes(moved, timeZone));
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

const deleteEvent = eventWriteTool("delete", {
  name: "google_calendar_delete_event",
  description:
    "Delete an event from the user's primary Google Calendar; guests are notified of the cancellation.",
  schema: DeleteEventSchema,
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
  effect: "read",
  async run(input, { http, timeZone, now }) {
    const requested = requestedRange(input, { timeZone, now }, NEXT_DAY);
    if (requested.end.getTime() - requested.start.getTime() > MAX_FREE_BUSY_DAYS * 86_400_000) {
      throw invalidArguments("google-calendar", `the range may span at most ${MAX_FREE_BUSY_DAYS} days`);
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
