import { annotations, CREATE, DELETE, READ, type ToolSpec, UPDATE } from "./catalog-support.js";
import { boolean, integer, objectSchema, string, stringArray, stringEnum } from "./json-schema.js";
import type { ToolInput } from "./tool-input.js";

const BASE = "/v1.0/me";

interface Recipient {
  emailAddress?: { name?: string; address?: string };
}

interface GraphMessage {
  id: string;
  subject?: string;
  bodyPreview?: string;
  receivedDateTime?: string;
  isRead?: boolean;
  conversationId?: string;
  from?: Recipient;
  toRecipients?: Recipient[];
  ccRecipients?: Recipient[];
  body?: { contentType?: string; content?: string };
}

interface GraphEvent {
  id: string;
  subject?: string;
  bodyPreview?: string;
  start?: { dateTime?: string; timeZone?: string };
  end?: { dateTime?: string; timeZone?: string };
  location?: { displayName?: string };
  isOnlineMeeting?: boolean;
  onlineMeeting?: { joinUrl?: string } | null;
  organizer?: Recipient;
  attendees?: (Recipient & { type?: string; status?: { response?: string } })[];
  webLink?: string;
}

interface GraphList<T> {
  value?: T[];
  "@odata.nextLink"?: string;
}

const top = integer("Page size (1-1000)", 1, 1000);
const skip = integer("Items to skip", 0);

const eventFields = {
  subject: string("Event title"),
  start_datetime: string("Start, e.g. 2026-11-26T09:30:00 (wall time in start_timezone)"),
  start_timezone: string("Time zone of the start, e.g. Europe/Berlin or W. Europe Standard Time"),
  end_datetime: string("End, e.g. 2026-11-26T10:00:00"),
  end_timezone: string("Time zone of the end"),
  attendees_required: stringArray("Required attendee email addresses"),
  attendees_optional: stringArray("Optional attendee email addresses"),
  body_content: string("Event description"),
  body_contentType: stringEnum(["text", "html"], "Description format"),
  isOnlineMeeting: boolean("Create a Teams meeting link"),
  location: string("Location name"),
};

export const outlookTools: ToolSpec[] = [
  {
    name: "outlook_list_messages",
    description: "List messages in the user's Outlook mailbox, newest first, with OData query options.",
    input: objectSchema({
      $filter: string("OData filter, e.g. isRead eq false"),
      $orderby: string("e.g. receivedDateTime desc"),
      $select: string("Comma-separated fields to return"),
      $skip: skip,
      $top: top,
    }),
    annotations: annotations("List Outlook messages", READ),
    async run(input, api) {
      const list = (await api(`${BASE}/messages`, {
        query: odata(input, "$", ["filter", "orderby", "select"], 10),
      })) as GraphList<GraphMessage>;
      return { messages: (list.value ?? []).map(summarizeMessage), ...nextLink(list) };
    },
  },
  {
    name: "outlook_get_message",
    description: "Get one Outlook message by id, with its body.",
    input: objectSchema({ message_id: string("The message id") }, ["message_id"]),
    annotations: annotations("Get Outlook message", READ),
    async run(input, api) {
      const id = input.required("message_id");
      const message = (await api(`${BASE}/messages/${encodeURIComponent(id)}`)) as GraphMessage;
      return {
        ...summarizeMessage(message),
        cc: addresses(message.ccRecipients),
        conversation_id: message.conversationId,
        body_type: message.body?.contentType,
        body: message.body?.content,
      };
    },
  },
  {
    name: "outlook_send_message",
    description: "Send an email from the user's Outlook account.",
    input: objectSchema(
      {
        toRecipients: stringArray("Recipient email addresses"),
        subject: string("Subject line"),
        body: string("Message body"),
        ccRecipients: stringArray("CC email addresses"),
        bccRecipients: stringArray("BCC email addresses"),
        bodyType: stringEnum(["Text", "HTML"], "Body format (default Text)"),
        saveToSentItems: boolean("Keep a copy in Sent Items (default true)"),
      },
      ["toRecipients", "subject", "body"],
    ),
    annotations: annotations("Send Outlook message", CREATE),
    async run(input, api) {
      const recipients = (name: string) =>
        (input.list(name) ?? []).map((address) => ({ emailAddress: { address } }));
      const to = recipients("toRecipients");
      await api(`${BASE}/sendMail`, {
        method: "POST",
        body: {
          message: {
            subject: input.required("subject"),
            body: { contentType: input.string("bodyType") ?? "Text", content: input.required("body") },
            toRecipients: to,
            ccRecipients: recipients("ccRecipients"),
            bccRecipients: recipients("bccRecipients"),
          },
          saveToSentItems: input.boolean("saveToSentItems") ?? true,
        },
      });
      return { sent: true, recipients: to.map((r) => r.emailAddress.address) };
    },
  },
  {
    name: "outlook_search_messages",
    description: "Search the user's Outlook messages by words in the subject, body and sender.",
    input: objectSchema(
      {
        query: string("Search words"),
        $select: string("Comma-separated fields to return"),
        $skip: skip,
        $top: top,
      },
      ["query"],
    ),
    annotations: annotations("Search Outlook messages", READ),
    async run(input, api) {
      const list = (await api(`${BASE}/messages`, {
        query: {
          $search: `"${input.required("query").replaceAll('"', "")}"`,
          ...odata(input, "$", ["select"], 10),
        },
      })) as GraphList<GraphMessage>;
      return { messages: (list.value ?? []).map(summarizeMessage), ...nextLink(list) };
    },
  },
  {
    name: "outlook_list_calendar_events",
    description: "List events in the user's Outlook calendar, with OData query options.",
    input: objectSchema({
      filter: string("OData filter, e.g. start/dateTime ge '2026-11-26T00:00:00'"),
      orderby: string("e.g. start/dateTime (default)"),
      select: string("Comma-separated fields to return"),
      skip,
      top,
    }),
    annotations: annotations("List Outlook calendar events", READ),
    async run(input, api) {
      const list = (await api(`${BASE}/events`, {
        query: odata(input, "", ["filter", "orderby", "select"], 25),
      })) as GraphList<GraphEvent>;
      return { events: (list.value ?? []).map(summarizeEvent), ...nextLink(list) };
    },
  },
  {
    name: "outlook_create_calendar_event",
    description: "Create an event in the user's Outlook calendar.",
    input: objectSchema(eventFields, [
      "subject",
      "start_datetime",
      "start_timezone",
      "end_datetime",
      "end_timezone",
    ]),
    annotations: annotations("Create Outlook calendar event", CREATE),
    async run(input, api) {
      const event = (await api(`${BASE}/events`, { method: "POST", body: eventBody(input) })) as GraphEvent;
      return summarizeEvent(event);
    },
  },
  {
    name: "outlook_update_calendar_event",
    description: "Update an event in the user's Outlook calendar; fields not given stay as they are.",
    input: objectSchema({ event_id: string("The event id"), ...eventFields }, ["event_id"]),
    annotations: annotations("Update Outlook calendar event", UPDATE),
    async run(input, api) {
      const id = input.required("event_id");
      const event = (await api(`${BASE}/events/${encodeURIComponent(id)}`, {
        method: "PATCH",
        body: eventBody(input),
      })) as GraphEvent;
      return summarizeEvent(event);
    },
  },
  {
    name: "outlook_delete_calendar_event",
    description: "Delete an event from the user's Outlook calendar.",
    input: objectSchema({ event_id: string("The event id") }, ["event_id"]),
    annotations: annotations("Delete Outlook calendar event", DELETE),
    async run(input, api) {
      const id = input.required("event_id");
      await api(`${BASE}/events/${encodeURIComponent(id)}`, { method: "DELETE" });
      return { deleted: true, event_id: id };
    },
  },
];

/**
 * OData options under their `$` names, with a default page size. The mail tools take them as
 * `$filter`…, the calendar tool as plain `filter`…: `prefix` is the tool's spelling.
 */
function odata(
  input: ToolInput,
  prefix: "$" | "",
  strings: readonly string[],
  defaultTop: number,
): Record<string, string | number | undefined> {
  const query: Record<string, string | number | undefined> = {};
  for (const name of strings) query[`$${name}`] = input.string(`${prefix}${name}`);
  query.$skip = input.number(`${prefix}skip`);
  query.$top = input.number(`${prefix}top`) ?? defaultTop;
  return query;
}

/** A Graph event body from the flat parameters; only the ones given (so PATCH keeps the rest). */
function eventBody(input: ToolInput): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const subject = input.string("subject");
  if (subject !== undefined) body.subject = subject;
  for (const which of ["start", "end"] as const) {
    const dateTime = input.string(`${which}_datetime`);
    if (dateTime !== undefined) {
      body[which] = { dateTime, timeZone: input.string(`${which}_timezone`) ?? "UTC" };
    }
  }
  const required = input.list("attendees_required");
  const optional = input.list("attendees_optional");
  if (required !== undefined || optional !== undefined) {
    body.attendees = [
      ...(required ?? []).map((address) => ({ emailAddress: { address }, type: "required" })),
      ...(optional ?? []).map((address) => ({ emailAddress: { address }, type: "optional" })),
    ];
  }
  const content = input.string("body_content");
  if (content !== undefined) {
    body.body = { contentType: input.string("body_contentType") ?? "text", content };
  }
  const online = input.boolean("isOnlineMeeting");
  if (online !== undefined) body.isOnlineMeeting = online;
  const location = input.string("location");
  if (location !== undefined) body.location = { displayName: location };
  return body;
}

function summarizeMessage(message: GraphMessage) {
  return {
    id: message.id,
    subject: message.subject,
    from: message.from?.emailAddress?.address,
    to: addresses(message.toRecipients),
    received: message.receivedDateTime,
    is_read: message.isRead,
    preview: message.bodyPreview,
  };
}

function summarizeEvent(event: GraphEvent) {
  return {
    id: event.id,
    subject: event.subject,
    start: event.start,
    end: event.end,
    location: event.location?.displayName || undefined,
    organizer: event.organizer?.emailAddress?.address,
    attendees: (event.attendees ?? []).map((attendee) => ({
      email: attendee.emailAddress?.address,
      type: attendee.type,
      response: attendee.status?.response,
    })),
    is_online_meeting: event.isOnlineMeeting ?? false,
    join_url: event.onlineMeeting?.joinUrl,
    preview: event.bodyPreview,
    web_link: event.webLink,
  };
}

function addresses(recipients: Recipient[] | undefined): string[] {
  return (recipients ?? []).flatMap((recipient) => recipient.emailAddress?.address ?? []);
}

function nextLink(list: GraphList<unknown>): { next_link?: string } {
  const next = list["@odata.nextLink"];
  return next ? { next_link: next } : {};
}
