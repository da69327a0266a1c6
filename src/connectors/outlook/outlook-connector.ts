import { type ConnectorDefinition, connectorTool } from "../connector-tool.js";
import { movedEventTimes, newEventTimes, toolTimeRange } from "../shared/calendar.js";
import { emailTool } from "../shared/email-tools.js";
import { changesTimeOrGuests, eventListing, eventWriteTool } from "../shared/event-tools.js";
import { collectPages } from "../shared/paging.js";
import { formatUtc } from "../shared/time.js";
import {
  CALENDAR_VIEW_PATH,
  EVENTS_PATH,
  eventPath,
  type GraphAttendee,
  type GraphCollection,
  type GraphEvent,
  type GraphMessage,
  MESSAGES_PATH,
  messagePath,
  SEND_MAIL_PATH,
} from "./api.js";
import { compactEvent, compactMessage, detailedMessage } from "./format.js";
import { graphEventSpan, toGraphTimes } from "./graph-time.js";
import {
  CreateEventSchema,
  DeleteEventSchema,
  GetMessageSchema,
  ListEventsSchema,
  SearchMessagesSchema,
  SendMessageSchema,
  UpdateEventSchema,
} from "./schemas.js";
import { planMessageQuery } from "./search.js";

const MAX_PAGES = 5;
const WEEK_FROM_TODAY = { defaultStart: "start-of-today", defaultDays: 7 } as const;
const EVENT_FIELDS = [
  "id",
  "subject",
  "start",
  "end",
  "isAllDay",
  "isCancelled",
  "location",
  "attendees",
  "organizer",
  "isOnlineMeeting",
  "onlineMeeting",
  "onlineMeetingUrl",
  "webLink",
].join(",");
const MESSAGE_FIELDS = [
  "id",
  "conversationId",
  "subject",
  "from",
  "toRecipients",
  "ccRecipients",
  "receivedDateTime",
  "body",
  "bodyPreview",
  "isRead",
  "importance",
  "hasAttachments",
  "webLink",
].join(",");

const toRecipients = (addresses: readonly string[] | undefined) =>
  (addresses ?? []).map((address) => ({ emailAddress: { address } }));

/** Location, notes and Teams link in Graph's shape, for the fields the model gave. */
function eventDetails(input: {
  location?: string | undefined;
  body?: string | undefined;
  online_meeting?: boolean | undefined;
}): Record<string, unknown> {
  const details: Record<string, unknown> = {};
  if (input.location !== undefined) details.location = { displayName: input.location };
  if (input.body !== undefined) details.body = { contentType: "text", content: input.body };
  if (input.online_meeting !== undefined) details.isOnlineMeeting = input.online_meeting;
  if (input.online_meeting) details.onlineMeetingProvider = "teamsForBusiness";
  return details;
}

/** Keeps each staying attendee's type (required/optional/resource). */
function mergeAttendees(
  current: readonly GraphAttendee[] | undefined,
  emails: readonly string[],
): GraphAttendee[] {
  const known = new Map(
    (current ?? []).map((attendee) => [attendee.emailAddress?.address?.toLowerCase() ?? "", attendee]),
  );
  return emails.map((address) => {
    const existing = known.get(address.toLowerCase());
    return { emailAddress: existing?.emailAddress ?? { address }, type: existing?.type ?? "required" };
  });
}

/** A `@odata.nextLink` is absolute; the client's base URL may be a sandbox, so keep only path and query. */
function relativeLink(link: string): string {
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
}

const searchMessages = connectorTool({
  name: "outlook_search_messages",
  description:
    "Search the user's Outlook mailbox, newest first: free text, a sender, and/or unread only. With no arguments it lists the latest messages.",
  schema: SearchMessagesSchema,
  effect: "read",
  async run(input, { http, timeZone }) {
    const plan = planMessageQuery(input);
    const page = await http.request<GraphCollection<GraphMessage>>({
      path: MESSAGES_PATH,
      query: plan.query,
    });
    let messages = page.value ?? [];
    if (plan.unreadLocally) messages = messages.filter((message) => message.isRead === false);
    const more =
      messages.length > input.max_results || (!plan.unreadLocally && Boolean(page["@odata.nextLink"]));
    return {
      messages: messages.slice(0, input.max_results).map((message) => compactMessage(message, timeZone)),
      ...(more ? { more: true } : {}),
    };
  },
});

const getMessage = connectorTool({
  name: "outlook_get_message",
  description: "Read one Outlook message: sender, recipients, subject, date and the body as plain text.",
  schema: GetMessageSchema,
  effect: "read",
  async run(input, { http, timeZone }) {
    const message = await http.request<GraphMessage>({
      path: messagePath(input.message_id),
      query: { $select: MESSAGE_FIELDS },
    });
    return detailedMessage(message, timeZone);
  },
});

const sendMessage = emailTool("Send Outlook email", {
  name: "outlook_send_message",
  description: "Send a plain-text email from the user's Outlook account; a copy is saved in Sent Items.",
  schema: SendMessageSchema,
  async run(input, { http }) {
    await http.request({
      method: "POST",
      path: SEND_MAIL_PATH,
      body: {
        message: {
          subject: input.subject,
          body: { contentType: "Text", content: input.body },
          toRecipients: toRecipients(input.to),
          ...(input.cc?.length ? { ccRecipients: toRecipients(input.cc) } : {}),
          ...(input.bcc?.length ? { bccRecipients: toRecipients(input.bcc) } : {}),
        },
        saveToSentItems: true,
      },
    });
    return { sent: true, to: input.to, subject: input.subject };
  },
});

const listEvents = connectorTool({
  name: "outlook_list_events",
  description:
    "List the user's Outlook calendar events between start and end (default: today through the next 7 days), including each occurrence of recurring meetings. Use a bare date such as 2025-06-12 as start to get that whole day.",
  schema: ListEventsSchema,
  effect: "read",
  async run(input, { http, timeZone, now }) {
    const range = toolTimeRange("outlook", [input.start, input.end], { timeZone, now }, WEEK_FROM_TODAY);
    const first = {
      path: CALENDAR_VIEW_PATH,
      query: {
        startDateTime: formatUtc(range.start),
        endDateTime: formatUtc(range.end),
        $top: input.max_results,
        $orderby: "start/dateTime",
        $select: EVENT_FIELDS,
      },
    };
    // Graph may page server-side below $top, so follow nextLink until enough events arrive.
    const { items: events, next } = await collectPages<GraphEvent, string>({
      max: input.max_results,
      maxPages: MAX_PAGES,
      async fetchPage(link) {
        const page = await http.request<GraphCollection<GraphEvent>>(
          link ? { path: relativeLink(link) } : first,
        );
        return { items: page.value ?? [], next: page["@odata.nextLink"] || undefined };
      },
    });
    const shown = events.slice(0, input.max_results).map((event) => compactEvent(event, timeZone));
    return eventListing(range, timeZone, shown, events.length > input.max_results || next !== undefined);
  },
});

const createEvent = eventWriteTool("create", {
  name: "outlook_create_event",
  description:
    "Create an event on the user's Outlook calendar and invite attendees, optionally with a Teams link. Give end or duration_minutes (default 30 minutes); a bare date as start makes an all-day event.",
  schema: CreateEventSchema,
  async run(input, { http, timeZone }) {
    const body: Record<string, unknown> = {
      subject: input.subject,
      ...toGraphTimes(newEventTimes("outlook", input, timeZone), timeZone),
    };
    if (input.attendees?.length) {
      body.attendees = input.attendees.map((address) => ({ emailAddress: { address }, type: "required" }));
    }
    Object.assign(body, eventDetails(input));
    const created = await http.request<GraphEvent>({ method: "POST", path: EVENTS_PATH, body });
    return compactEvent(created, timeZone);
  },
});

const updateEvent = eventWriteTool("update", {
  name: "outlook_update_event",
  description:
    "Change an event on the user's Outlook calendar: subject, time, location, notes, attendees or Teams link. Moving only the start keeps the event's length; attendees are notified.",
  schema: UpdateEventSchema,
  async run(input, { http, timeZone }) {
    const patch: Record<string, unknown> = eventDetails(input);
    if (input.subject !== undefined) patch.subject = input.subject;
    if (changesTimeOrGuests(input)) {
      const current = await http.request<GraphEvent>({
        path: eventPath(input.event_id),
        query: { $select: "start,end,isAllDay,attendees" },
      });
      const moved = movedEventTimes("outlook", graphEventSpan(current), input, timeZone);
      Object.assign(patch, toGraphTimes(moved, timeZone));
      if (input.attendees !== undefined) patch.attendees = mergeAttendees(current.attendees, input.attendees);
    }
    const updated = await http.request<GraphEvent>({
      method: "PATCH",
      path: eventPath(input.event_id),
      body: patch,
    });
    return compactEvent(updated, timeZone);
  },
});

const deleteEvent = eventWriteTool("delete", {
  name: "outlook_delete_event",
  description:
    "Delete an event from the user's Outlook calendar; if the user organized it, attendees get a cancellation.",
  schema: DeleteEventSchema,
  async run(input, { http }) {
    await http.request({ method: "DELETE", path: eventPath(input.event_id) });
    return { deleted: true, event_id: input.event_id };
  },
});

/** Outlook mail and calendar through Microsoft Graph v1.0 (one connection for both). */
export const outlookConnector: ConnectorDefinition = {
  id: "outlook",
  defaultBaseUrl: "https://graph.microsoft.com",
  tools: [searchMessages, getMessage, sendMessage, listEvents, createEvent, updateEvent, deleteEvent],
};
