import { z } from "zod";
import {
  emailList,
  eventIdArgument,
  eventUpdate,
  ISO_HINT,
  isoDateTime,
  maxEvents,
  searchText,
  withEventTiming,
} from "../shared/schemas.js";

const eventId = eventIdArgument("google_calendar_list_events");
const attendees = emailList("Guest email addresses to invite; they receive an invitation.");

export const ListEventsSchema = z.object({
  time_min: isoDateTime(
    `Start of the range (${ISO_HINT}). A bare date means the start of that day. Defaults to now.`,
  ).optional(),
  time_max: isoDateTime(
    "End of the range. A bare date includes that whole day. Defaults to the end of time_min's day when time_min is a bare date, otherwise 7 days after the start.",
  ).optional(),
  query: searchText("Free-text filter on title, description, location and guests."),
  max_results: maxEvents,
});

export const CreateEventSchema = withEventTiming({
  title: z.string().trim().min(1).max(500).describe("The event title."),
  attendees: attendees.optional(),
  location: z
    .string()
    .trim()
    .max(1000)
    .optional()
    .describe("Where the event happens (address, room or link)."),
  description: z.string().max(8000).optional().describe("Notes or agenda shown in the event."),
});

export const UpdateEventSchema = eventUpdate({
  event_id: eventId,
  title: z.string().trim().min(1).max(500).optional().describe("New title."),
  location: z.string().trim().max(1000).optional().describe("New location; an empty string clears it."),
  description: z.string().max(8000).optional().describe("New description; an empty string clears it."),
  attendees: attendees
    .optional()
    .describe(
      "The complete new guest list (replaces the current one; include existing guests to keep them).",
    ),
});

export const DeleteEventSchema = z.object({ event_id: eventId });

export const FindFreeTimeSchema = z.object({
  time_min: isoDateTime(`Start of the search range (${ISO_HINT}). A bare date means the start of that day.`),
  time_max: isoDateTime("End of the search range. A bare date includes that whole day."),
  duration_minutes: z
    .number()
    .int()
    .min(5)
    .max(12 * 60)
    .default(30)
    .describe("Minimum length of a free slot in minutes (default 30)."),
  working_hours_only: z
    .boolean()
    .default(true)
    .describe(
      "Only 09:00–18:00 on weekdays in the user's time zone (default true); false searches any time.",
    ),
});
