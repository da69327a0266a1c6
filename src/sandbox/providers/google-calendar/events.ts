/** Events of the primary calendar: list, insert, get, patch and delete. */
import { randomBytes } from "node:crypto";
import { isRecord, type ProviderHttpRequest, type ProviderHttpResponse } from "../provider-emulator.js";
import { type CalendarState, startMs } from "./calendar.js";
import { badRequest, parseError, parseRfc3339, type Result, responseZone } from "./calendar-wire.js";
import { applyBody } from "./event-body.js";
import type { StoredCalendarEvent } from "./google-calendar-seed.js";
import { renderEvent } from "./render.js";

/** Events overlapping `timeMin`–`timeMax` whose text holds every word of `q`, in pages. */
export function listEvents(
  request: ProviderHttpRequest,
  state: CalendarState,
  now: () => Date,
): ProviderHttpResponse {
  const { query } = request;
  const zone = responseZone(query, state);
  if ("error" in zone) return zone.error;
  const bound = (name: string): Result<number | undefined> => {
    const value = query.get(name);
    if (value === null) return { ok: undefined };
    const parsed = parseRfc3339(value);
    return parsed === undefined ? { error: badRequest() } : { ok: parsed };
  };
  const timeMin = bound("timeMin");
  const timeMax = bound("timeMax");
  if ("error" in timeMin) return timeMin.error;
  if ("error" in timeMax) return timeMax.error;
  const singleEvents = query.get("singleEvents") === "true";
  const orderBy = query.get("orderBy");
  if (orderBy !== null && orderBy !== "startTime" && orderBy !== "updated") {
    return badRequest("Invalid value for: orderBy", "invalid");
  }
  if (orderBy === "startTime" && !singleEvents) {
    return badRequest("The requested ordering is not available for the particular query.");
  }
  const maxResultsText = query.get("maxResults");
  const maxResults = maxResultsText === null ? 250 : Number(maxResultsText);
  if (!Number.isInteger(maxResults) || maxResults < 1)
    return badRequest("Invalid value for: maxResults", "invalid");
  const offset = Number(
    query.get("pageToken") ? Buffer.from(query.get("pageToken") ?? "", "base64url").toString() : 0,
  );
  if (!Number.isInteger(offset) || offset < 0) return badRequest("Invalid page token.", "invalid");
  const terms = (query.get("q") ?? "").toLowerCase().split(/\s+/).filter(Boolean);

  let events = [...state.events.values()].filter((event) => {
    const start = startMs(event.start, state);
    const end = startMs(event.end, state);
    if (timeMin.ok !== undefined && end <= timeMin.ok) return false;
    if (timeMax.ok !== undefined && start >= timeMax.ok) return false;
    if (terms.length === 0) return true;
    const haystack = [
      event.summary,
      event.description,
      event.location,
      event.organizer.email,
      event.organizer.displayName,
      ...event.attendees.flatMap((attendee) => [attendee.email, attendee.displayName]),
    ]
      .filter(Boolean)
      .join(" ")
      .toLowerCase();
    return terms.every((term) => haystack.includes(term));
  });
  if (orderBy === "startTime") {
    events.sort((a, b) => startMs(a.start, state) - startMs(b.start, state) || a.id.localeCompare(b.id));
  } else if (orderBy === "updated") {
    events.sort((a, b) => a.updated - b.updated);
  }
  const page = Math.min(maxResults, 2500);
  const total = events.length;
  events = events.slice(offset, offset + page);
  const body: Record<string, unknown> = {
    kind: "calendar#events",
    etag: `"${now().getTime()}"`,
    summary: state.owner.email,
    updated: now().toISOString(),
    timeZone: state.timeZone,
    accessRole: "owner",
    defaultReminders: [{ method: "popup", minutes: 10 }],
    items: events.map((event) => renderEvent(event, state, zone.ok)),
  };
  if (offset + page < total) body.nextPageToken = Buffer.from(String(offset + page)).toString("base64url");
  return { status: 200, body };
}

export function insertEvent(
  request: ProviderHttpRequest,
  state: CalendarState,
  now: () => Date,
): ProviderHttpResponse {
  const fields = request.body;
  if (!isRecord(fields)) return parseError();
  if (fields.start === undefined) return badRequest("Missing start time.", "required");
  if (fields.end === undefined) return badRequest("Missing end time.", "required");
  const zone = responseZone(request.query, state);
  if ("error" in zone) return zone.error;
  const id = randomBytes(13).toString("hex");
  const stamp = now().getTime();
  const event: StoredCalendarEvent = {
    id,
    iCalUID: `${id}@google.com`,
    start: { kind: "date", date: "1970-01-01" },
    end: { kind: "date", date: "1970-01-02" },
    attendees: [],
    organizer: state.owner,
    created: stamp,
    updated: stamp,
    sequence: 0,
  };
  const problem = applyBody(event, fields, state);
  if (problem) return problem;
  state.events.set(id, event);
  return { status: 200, body: renderEvent(event, state, zone.ok) };
}

export function patchEvent(
  request: ProviderHttpRequest,
  state: CalendarState,
  event: StoredCalendarEvent,
  now: () => Date,
): ProviderHttpResponse {
  const body = request.body ?? {};
  if (!isRecord(body)) return parseError();
  const zone = responseZone(request.query, state);
  if ("error" in zone) return zone.error;
  // Work on a copy so a rejected patch leaves the event untouched.
  const draft: StoredCalendarEvent = structuredClone(event);
  const problem = applyBody(draft, body, state);
  if (problem) return problem;
  if (body.start !== undefined || body.end !== undefined) draft.sequence++;
  draft.updated = now().getTime();
  state.events.set(draft.id, draft);
  return { status: 200, body: renderEvent(draft, state, zone.ok) };
}

export function getEvent(
  request: ProviderHttpRequest,
  state: CalendarState,
  event: StoredCalendarEvent,
): ProviderHttpResponse {
  const zone = responseZone(request.query, state);
  if ("error" in zone) return zone.error;
  return { status: 200, body: renderEvent(event, state, zone.ok) };
}

/** Deletes an event; its id is remembered, so a second delete answers 410 Gone. */
export function deleteEvent(state: CalendarState, id: string): ProviderHttpResponse {
  state.events.delete(id);
  state.deleted.add(id);
  return { status: 204 };
}
