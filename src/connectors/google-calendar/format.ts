import { truncate } from "../../text.js";
import { htmlToText, looksLikeHtml } from "../shared/html.js";
import { addDays, formatInZone, isValidTimeZone, parseDateTime } from "../shared/time.js";
import type { GoogleEvent, GoogleEventTime } from "./api.js";

/** An event as the model sees it: short keys, times in the user's zone, no empty fields. */
export interface CompactEvent {
  id: string;
  title: string;
  /** ISO with the user's offset; a bare date for all-day events. */
  start: string;
  /** ISO with the user's offset; for all-day events the last day (inclusive). */
  end: string;
  all_day?: true;
  location?: string;
  attendees?: string[];
  description?: string;
  truncated?: true;
  meet_link?: string;
  html_link?: string;
}

/** Descriptions are cut to this length in event lists; single-event answers allow more. */
export const LIST_DESCRIPTION_LIMIT = 300;
export const DETAIL_DESCRIPTION_LIMIT = 2_000;

export function compactEvent(event: GoogleEvent, timeZone: string, descriptionLimit: number): CompactEvent {
  const allDay = event.start.date !== undefined;
  const compact: CompactEvent = {
    id: event.id,
    title: event.summary?.trim() || "(no title)",
    start: allDay ? (event.start.date ?? "") : renderTime(event.start, timeZone),
    // Google's all-day end date is exclusive; people read "Jun 12–Jun 12" as one day.
    end: allDay ? addDays(event.end.date ?? event.start.date ?? "", -1) : renderTime(event.end, timeZone),
  };
  if (allDay) compact.all_day = true;
  if (event.location) compact.location = event.location;
  const attendees = (event.attendees ?? []).map((attendee) => attendee.email).filter(Boolean);
  if (attendees.length > 0) compact.attendees = attendees;
  // Descriptions edited in Google's web UI arrive as HTML; ones set through the API may be plain.
  const described = event.description?.trim() ?? "";
  const description = truncate(
    looksLikeHtml(described) ? htmlToText(described) : described,
    descriptionLimit,
  );
  if (description.text) compact.description = description.text;
  if (description.truncated) compact.truncated = true;
  if (event.hangoutLink) compact.meet_link = event.hangoutLink;
  if (event.htmlLink) compact.html_link = event.htmlLink;
  return compact;
}

function renderTime(time: GoogleEventTime, timeZone: string): string {
  if (!time.dateTime) return time.date ?? "";
  // A dateTime without an offset is a wall time in the event's own zone.
  const zone = time.timeZone && isValidTimeZone(time.timeZone) ? time.timeZone : timeZone;
  return formatInZone(parseDateTime(time.dateTime, zone), timeZone);
}
