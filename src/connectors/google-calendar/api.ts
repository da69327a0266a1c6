/** The parts of the Google Calendar v3 wire format the tools read and write. */

export const EVENTS_PATH = "/calendar/v3/calendars/primary/events";
export const FREE_BUSY_PATH = "/calendar/v3/freeBusy";

export function eventPath(eventId: string): string {
  return `${EVENTS_PATH}/${encodeURIComponent(eventId)}`;
}

/** `date` for all-day events (end exclusive), `dateTime` (RFC 3339) for timed ones. */
export interface GoogleEventTime {
  date?: string;
  dateTime?: string;
  timeZone?: string;
}

export interface GoogleAttendee {
  email: string;
  displayName?: string;
  responseStatus?: "needsAction" | "declined" | "tentative" | "accepted";
  organizer?: boolean;
  self?: boolean;
  optional?: boolean;
}

export interface GoogleEvent {
  kind?: "calendar#event";
  id: string;
  status?: "confirmed" | "tentative" | "cancelled";
  htmlLink?: string;
  summary?: string;
  description?: string;
  location?: string;
  start: GoogleEventTime;
  end: GoogleEventTime;
  attendees?: GoogleAttendee[];
  organizer?: { email?: string; displayName?: string; self?: boolean };
  hangoutLink?: string;
  transparency?: "opaque" | "transparent";
  recurringEventId?: string;
}

export interface GoogleEventList {
  kind?: "calendar#events";
  timeZone?: string;
  items?: GoogleEvent[];
  nextPageToken?: string;
}

export interface GoogleFreeBusyResponse {
  kind?: "calendar#freeBusy";
  timeMin?: string;
  timeMax?: string;
  calendars?: Record<string, { busy?: { start: string; end: string }[]; errors?: { reason?: string }[] }>;
}
