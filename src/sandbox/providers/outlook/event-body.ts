/** Reads the writable fields of an event (create or patch body) into a stored event. */
import type { ProviderHttpResponse } from "../provider-emulator.js";
import { EMAIL } from "../sandbox-account.js";
import { ianaForGraphZone, readStamp, wallToEpoch } from "../zoned-time.js";
import { badRequest, bodyTypeOf, person } from "./graph-wire.js";
import { type StoredAttendee, type StoredOutlookEvent, teamsJoinUrl } from "./outlook-seed.js";

/** Reads a dateTimeTimeZone; returns the instant and the zone name as sent. */
function readDateTime(
  value: unknown,
  which: string,
): { at: number; zone: string; wall: string } | ProviderHttpResponse {
  const time = value as { dateTime?: unknown; timeZone?: unknown } | null;
  if (typeof time?.dateTime !== "string")
    return badRequest(`${which} must be specified.`, "ErrorInvalidRequest");
  const zoneName = typeof time.timeZone === "string" && time.timeZone ? time.timeZone : "UTC";
  const zone = ianaForGraphZone(zoneName);
  if (!zone) {
    return badRequest(
      `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${zoneName}'.`,
      "TimeZoneNotSupportedException",
    );
  }
  const stamp = readStamp(time.dateTime);
  if (!stamp || stamp.kind === "date")
    return badRequest(
      `Cannot convert the literal '${time.dateTime}' to the expected type 'Edm.DateTimeOffset'.`,
    );
  const at = stamp.kind === "wall" ? wallToEpoch(stamp.wall, zone) : stamp.epochMs;
  return { at, zone: zoneName, wall: time.dateTime.slice(0, 19) };
}

/** Applies an event body (create or patch) to `event`; returns an error answer when invalid. */
export function applyEvent(
  event: StoredOutlookEvent,
  body: Record<string, unknown>,
  now: () => Date,
): ProviderHttpResponse | undefined {
  if (body.subject !== undefined) {
    if (typeof body.subject !== "string") return badRequest("Invalid value for property 'subject'.");
    event.subject = body.subject;
  }
  if (body.body !== undefined) {
    const content = body.body as { contentType?: unknown; content?: unknown } | null;
    event.body = typeof content?.content === "string" ? content.content : "";
    event.bodyType = bodyTypeOf(content);
  }
  if (body.location !== undefined) {
    const name = (body.location as { displayName?: unknown } | null)?.displayName;
    if (typeof name === "string" && name) event.location = name;
    else delete event.location;
  }
  if (body.attendees !== undefined) {
    if (!Array.isArray(body.attendees)) return badRequest("Invalid value for property 'attendees'.");
    const attendees: StoredAttendee[] = [];
    for (const item of body.attendees) {
      const who = person(item);
      if (!who || !EMAIL.test(who.address))
        return badRequest("At least one attendee isn't valid.", "ErrorInvalidRecipients");
      const known = event.attendees.find(
        (attendee) => attendee.address.toLowerCase() === who.address.toLowerCase(),
      );
      const type = (item as { type?: unknown }).type;
      attendees.push({
        ...who,
        type: type === "optional" || type === "resource" ? type : "required",
        response: known?.response ?? "none",
      });
    }
    event.attendees = attendees;
  }
  if (body.isOnlineMeeting !== undefined) {
    event.isOnlineMeeting = body.isOnlineMeeting === true;
    if (event.isOnlineMeeting) event.joinUrl ??= teamsJoinUrl(`${event.id}:${now().getTime()}`);
    else delete event.joinUrl;
  }
  const allDay = body.isAllDay === undefined ? event.allDay !== undefined : body.isAllDay === true;
  if (body.start !== undefined || body.end !== undefined || body.isAllDay !== undefined) {
    const start = body.start === undefined ? undefined : readDateTime(body.start, "Start");
    const end = body.end === undefined ? undefined : readDateTime(body.end, "End");
    if (start && "status" in start) return start;
    if (end && "status" in end) return end;
    if (start) {
      event.start = start.at;
      event.timeZone = start.zone;
    }
    if (end) event.end = end.at;
    if (allDay) {
      const startWall = start?.wall ?? (event.allDay ? `${event.allDay.startDate}T00:00:00` : "");
      const endWall = end?.wall ?? (event.allDay ? `${event.allDay.endDate}T00:00:00` : "");
      if (!startWall.endsWith("T00:00:00") || !endWall.endsWith("T00:00:00") || endWall <= startWall) {
        return badRequest(
          "Your request can't be completed. If the event is an all-day event, it has to start and end at midnight, and it must be at least one day long.",
          "ErrorInvalidRequest",
        );
      }
      event.allDay = { startDate: startWall.slice(0, 10), endDate: endWall.slice(0, 10) };
    } else {
      delete event.allDay;
    }
  }
  if (event.end <= event.start) {
    return badRequest("The event's end time must be after its start time.", "ErrorInvalidRequest");
  }
  return undefined;
}
