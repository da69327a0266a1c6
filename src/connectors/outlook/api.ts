/** The parts of the Microsoft Graph v1.0 wire format the Outlook tools read and write. */

export const MESSAGES_PATH = "/v1.0/me/messages";
export const SEND_MAIL_PATH = "/v1.0/me/sendMail";
export const CALENDAR_VIEW_PATH = "/v1.0/me/calendarView";
export const EVENTS_PATH = "/v1.0/me/events";

export function messagePath(messageId: string): string {
  return `${MESSAGES_PATH}/${encodeURIComponent(messageId)}`;
}

export function eventPath(eventId: string): string {
  return `${EVENTS_PATH}/${encodeURIComponent(eventId)}`;
}

export interface GraphEmailAddress {
  name?: string;
  address?: string;
}

export interface GraphRecipient {
  emailAddress?: GraphEmailAddress;
}

export interface GraphItemBody {
  contentType?: string;
  content?: string;
}

export interface GraphMessage {
  id: string;
  conversationId?: string;
  subject?: string | null;
  bodyPreview?: string;
  body?: GraphItemBody;
  isRead?: boolean;
  importance?: "low" | "normal" | "high";
  hasAttachments?: boolean;
  receivedDateTime?: string;
  sentDateTime?: string;
  from?: GraphRecipient | null;
  toRecipients?: GraphRecipient[];
  ccRecipients?: GraphRecipient[];
  webLink?: string;
}

/** Graph's date-time: a wall time without offset plus the zone it is in (Windows or IANA name). */
export interface GraphDateTimeZone {
  dateTime: string;
  timeZone: string;
}

export interface GraphAttendee {
  type?: "required" | "optional" | "resource";
  status?: { response?: string; time?: string };
  emailAddress?: GraphEmailAddress;
}

export interface GraphEvent {
  id: string;
  subject?: string | null;
  bodyPreview?: string;
  start: GraphDateTimeZone;
  end: GraphDateTimeZone;
  isAllDay?: boolean;
  isCancelled?: boolean;
  location?: { displayName?: string };
  attendees?: GraphAttendee[];
  organizer?: GraphRecipient;
  isOnlineMeeting?: boolean;
  onlineMeetingProvider?: string;
  onlineMeeting?: { joinUrl?: string } | null;
  onlineMeetingUrl?: string | null;
  webLink?: string;
}

export interface GraphCollection<T> {
  value?: T[];
  "@odata.nextLink"?: string;
}
