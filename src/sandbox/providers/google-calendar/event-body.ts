/** Reads the writable fields of an insert or patch body (times, attendees, text) into an event. */
import type { ProviderHttpResponse } from "../provider-emulator.js";
import { EMAIL } from "../sandbox-account.js";
import { knownZone, readStamp, wallToEpoch } from "../zoned-time.js";
import { type CalendarState, isOwner, startMs } from "./calendar.js";
import { badRequest, type Result } from "./calendar-wire.js";
import type { StoredAttendee, StoredCalendarEvent, StoredTime } from "./google-calendar-seed.js";

function readTime(value: unknown, which: "start" | "end", state: CalendarState): Result<StoredTime> {
  if (typeof value !== "object" || value === null)
    return { error: badRequest(`Missing ${which} time.`, "required") };
  const time = value as { date?: unknown; dateTime?: unknown; timeZone?: unknown };
  if (time.timeZone !== undefined && (typeof time.timeZone !== "string" || !knownZone(time.timeZone))) {
    return { error: badRequest(`Invalid time zone definition for ${which} time.`, "invalid") };
  }
  const zone = typeof time.timeZone === "string" ? time.timeZone : undefined;
  if (typeof time.date === "string" && time.dateTime === undefined) {
    if (readStamp(time.date)?.kind !== "date") return { error: badRequest() };
    return { ok: { kind: "date", date: time.date } };
  }
  if (typeof time.dateTime !== "string") return { error: badRequest(`Missing ${which} time.`, "required") };
  const stamp = readStamp(time.dateTime);
  if (!stamp || stamp.kind === "date") return { error: badRequest() };
  if (stamp.kind === "wall" && !zone) {
    return { error: badRequest(`Missing time zone definition for ${which} time.`, "required") };
  }
  const at = stamp.kind === "wall" ? wallToEpoch(stamp.wall, zone ?? state.timeZone) : stamp.epochMs;
  return { ok: { kind: "timed", at, timeZone: zone ?? state.timeZone } };
}

function checkSpan(
  start: StoredTime,
  end: StoredTime,
  state: CalendarState,
): ProviderHttpResponse | undefined {
  if (start.kind !== end.kind) {
    return badRequest("Start and end times must either both be date or both be dateTime.", "invalid");
  }
  if (startMs(end, state) <= startMs(start, state)) {
    return badRequest("The specified time range is empty.", "timeRangeEmpty");
  }
  return undefined;
}

function readAttendees(value: unknown, previous: readonly StoredAttendee[]): Result<StoredAttendee[]> {
  if (!Array.isArray(value)) return { error: badRequest("Invalid value for: attendees", "invalid") };
  const known = new Map(previous.map((attendee) => [attendee.email.toLowerCase(), attendee]));
  const attendees: StoredAttendee[] = [];
  for (const item of value) {
    const email = typeof item === "object" && item !== null ? (item as { email?: unknown }).email : undefined;
    if (typeof email !== "string" || !EMAIL.test(email))
      return { error: badRequest("Invalid attendee email.", "invalid") };
    const displayName = (item as { displayName?: unknown }).displayName;
    attendees.push(
      known.get(email.toLowerCase()) ?? {
        email,
        responseStatus: "needsAction",
        ...(typeof displayName === "string" ? { displayName } : {}),
      },
    );
  }
  return { ok: attendees };
}

/** Applies the writable fields of an insert or patch body to `event`. */
export function applyBody(
  event: StoredCalendarEvent,
  body: Record<string, unknown>,
  state: CalendarState,
): ProviderHttpResponse | undefined {
  for (const field of ["summary", "description", "location"] as const) {
    const value = body[field];
    if (value === undefined) continue;
    if (value !== null && typeof value !== "string")
      return badRequest(`Invalid value for: ${field}`, "invalid");
    if (value === null || value === "") delete event[field];
    else event[field] = value;
  }
  if (body.transparency !== undefined) {
    if (body.transparency === "transparent") event.transparency = "transparent";
    else if (body.transparency === "opaque") delete event.transparency;
    else return badRequest("Invalid value for: transparency", "invalid");
  }
  if (body.start !== undefined) {
    const start = readTime(body.start, "start", state);
    if ("error" in start) return start.error;
    event.start = start.ok;
  }
  if (body.end !== undefined) {
    const end = readTime(body.end, "end", state);
    if ("error" in end) return end.error;
    event.end = end.ok;
  }
  if (body.attendees !== undefined) {
    const attendees = readAttendees(body.attendees, event.attendees);
    if ("error" in attendees) return attendees.error;
    event.attendees = attendees.ok;
    const owner = event.attendees.find((attendee) => isOwner(attendee.email, state));
    if (owner) owner.responseStatus = "accepted";
  }
  return checkSpan(event.start, event.end, state);
}
