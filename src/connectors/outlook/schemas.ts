import { z } from "zod";
import * as shared from "../shared/schemas.js";

const { emailList, ISO_HINT, isoDateTime } = shared;

const eventId = shared.eventIdArgument("outlook_list_events");

export const SearchMessagesSchema = z.object({
  query: shared.searchText(
    "Free-text search over sender, subject and body (Outlook search syntax such as subject:budget also works).",
  ),
  from: shared.searchText("Only mail from this sender: an email address, or a name or part of one."),
  unread_only: z.boolean().optional().describe("Only unread messages."),
  max_results: z
    .number()
    .int()
    .min(1)
    .max(50)
    .default(10)
    .describe("Maximum number of messages (1–50, default 10)."),
});

export const GetMessageSchema = z.object({
  message_id: z
    .string()
    .trim()
    .min(1)
    .max(1024)
    .describe("The message's id, as returned by outlook_search_messages."),
});

export const SendMessageSchema = z.object({
  to: emailList("Recipient email addresses.").min(1),
  cc: emailList("Cc email addresses.").optional(),
  bcc: emailList("Bcc email addresses.").optional(),
  subject: z.string().trim().min(1).max(500).describe("Subject line."),
  body: z.string().min(1).max(50_000).describe("Plain-text message body."),
});

export const ListEventsSchema = z.object({
  start: isoDateTime(
    `Start of the range (${ISO_HINT}). A bare date means the start of that day. Defaults to the start of today.`,
  ).optional(),
  end: isoDateTime(
    "End of the range. A bare date includes that whole day. Defaults to the end of start's day when start is a bare date, otherwise 7 days after the start.",
  ).optional(),
  max_results: shared.maxEvents,
});

export const CreateEventSchema = shared.withEventTiming({
  subject: z.string().trim().min(1).max(500).describe("The event title."),
  attendees: emailList("Attendee email addresses; they receive an invitation.").optional(),
  location: z.string().trim().max(1000).optional().describe("Room or address."),
  body: z.string().max(8000).optional().describe("Plain-text agenda or notes."),
  online_meeting: z.boolean().optional().describe("Add a Microsoft Teams meeting link."),
});

export const UpdateEventSchema = shared.eventUpdate({
  event_id: eventId,
  subject: z.string().trim().min(1).max(500).optional().describe("New title."),
  location: z.string().trim().max(1000).optional().describe("New location; an empty string clears it."),
  body: z.string().max(8000).optional().describe("New plain-text notes (replaces the current body)."),
  attendees: emailList(
    "The complete new attendee list (replaces the current one; include existing attendees to keep them).",
  ).optional(),
  online_meeting: z.boolean().optional().describe("True to add a Teams meeting link."),
});

export const DeleteEventSchema = z.object({ event_id: eventId });
