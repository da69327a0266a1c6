import { firstMatch, type Matcher } from "../plan.js";
import { type CalendarProvider, calendarMatchers } from "./calendar-common.js";

/** Documented requests the offline demo model understands for Google Calendar. */
export const examples: string[] = [
  "what's on my calendar tomorrow",
  "what's on my calendar this week",
  "schedule lunch with sam@example.com tomorrow at noon",
  "find a free 30 minute slot tomorrow",
  "move my lunch with Sam tomorrow to 1pm",
  "cancel my lunch with Sam tomorrow",
];

const googleCalendar: CalendarProvider = {
  label: "calendar",
  listTool: "google_calendar_list_events",
  createTool: "google_calendar_create_event",
  updateTool: "google_calendar_update_event",
  deleteTool: "google_calendar_delete_event",
  freeTool: "google_calendar_find_free_time",
  listArgs: (start, end) => ({ time_min: start, time_max: end }),
  createArgs: ({ title, start, durationMinutes, attendees }) => ({
    title,
    start,
    duration_minutes: durationMinutes,
    ...(attendees.length ? { attendees } : {}),
  }),
  updateArgs: (eventId, start, end) => ({ event_id: eventId, start, end }),
};

const calendar = calendarMatchers(googleCalendar);

export const matchers: Matcher[] = [
  (request, context) => {
    if (/\b(?:outlook|slack|notion)\b/i.test(request)) return null;
    const cleaned = request.replace(/\b(?:google\s+calendar|gcal)\b/gi, "calendar");
    return firstMatch(calendar, cleaned, context);
  },
];
