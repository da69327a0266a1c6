import { randomBytes } from "node:crypto";
import {
  type StoredAttendee,
  type StoredCalendarEvent,
  type StoredPerson,
  type StoredTime,
  seedCalendarEvents,
} from "./google-calendar-seed.js";
import { hostileCalendarEvents } from "./hostile-seeds.js";
import {
  googleError,
  type ProviderEmulator,
  type ProviderHttpRequest,
  type ProviderHttpResponse,
  pathSegments,
} from "./provider-emulator.js";
import { dayStart, knownZone, readStamp, rfc3339, wallToEpoch } from "./zoned-time.js";

export const CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar";
const PREFIX = "/calendar/v3/";
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface GoogleCalendarEmulatorOptions {
  now?: () => Date;
  /** The seeded calendars' time zone (and where seeded wall times such as 09:30 live). */
  timeZone?: string;
  /** Also seed the hostile corpus (prompt-injection tests; see hostile-seeds.ts). */
  injections?: boolean;
}

/** A read-only view of one user's calendar, for tests. */
export interface CalendarSnapshot {
  owner: string;
  timeZone: string;
  /** Live events in Google's wire shape, ordered by start. */
  events: Record<string, unknown>[];
  /** Ids deleted through the API. */
  deletedIds: string[];
}

export interface GoogleCalendarEmulator extends ProviderEmulator {
  inspect(identifier: string): CalendarSnapshot;
}

interface CalendarState {
  owner: StoredPerson;
  timeZone: string;
  events: Map<string, StoredCalendarEvent>;
  deleted: Set<string>;
}

/** The Google account email the sandbox gives an end user. */
export function calendarOwnerFor(identifier: string): StoredPerson {
  const last = identifier.split("/").at(-1) ?? identifier;
  if (EMAIL.test(last)) return { email: last.toLowerCase() };
  const local =
    last
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, ".")
      .replace(/^\.+|\.+$/g, "") || "user";
  return { email: `${local}@example.com` };
}

type Result<T> = { ok: T } | { error: ProviderHttpResponse };

function badRequest(message = "Bad Request", reason = "badRequest"): ProviderHttpResponse {
  return googleError(400, message, reason);
}

const notFound = (): ProviderHttpResponse => googleError(404, "Not Found", "notFound");

/**
 * Google Calendar v3 for the primary calendar: events list/insert/get/patch/delete and freeBusy,
 * with per-user calendars seeded relative to `now()`.
 */
export function createGoogleCalendarEmulator(
  options: GoogleCalendarEmulatorOptions = {},
): GoogleCalendarEmulator {
  const now = options.now ?? (() => new Date());
  const defaultZone = options.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? "UTC";
  const calendars = new Map<string, CalendarState>();

  const stateFor = (identifier: string): CalendarState => {
    let state = calendars.get(identifier);
    if (!state) {
      const owner = calendarOwnerFor(identifier);
      const seed = { now: now(), timeZone: defaultZone, owner, identifier };
      const seeded = [
        ...seedCalendarEvents(seed),
        ...(options.injections ? hostileCalendarEvents(seed) : []),
      ];
      state = {
        owner,
        timeZone: defaultZone,
        events: new Map(seeded.map((e) => [e.id, e])),
        deleted: new Set(),
      };
      calendars.set(identifier, state);
    }
    return state;
  };

  const startMs = (time: StoredTime, state: CalendarState) =>
    time.kind === "timed" ? time.at : dayStart(time.date, state.timeZone);

  const renderTime = (time: StoredTime, zone: string) =>
    time.kind === "date"
      ? { date: time.date }
      : { dateTime: rfc3339(time.at, zone), timeZone: time.timeZone };

  const render = (
    event: StoredCalendarEvent,
    state: CalendarState,
    zone: string,
  ): Record<string, unknown> => {
    const self = (email: string) => email.toLowerCase() === state.owner.email;
    const wire: Record<string, unknown> = {
      kind: "calendar#event",
      etag: `"${event.updated}${event.sequence}"`,
      id: event.id,
      status: "confirmed",
      htmlLink: `https://www.google.com/calendar/event?eid=${Buffer.from(`${event.id} ${state.owner.email}`).toString("base64url")}`,
      created: new Date(event.created).toISOString(),
      updated: new Date(event.updated).toISOString(),
      summary: event.summary,
      description: event.description,
      location: event.location,
      creator: { email: state.owner.email, self: true },
      organizer: { ...event.organizer, ...(self(event.organizer.email) ? { self: true } : {}) },
      start: renderTime(event.start, zone),
      end: renderTime(event.end, zone),
      recurringEventId: event.recurringEventId,
      originalStartTime: event.recurringEventId ? renderTime(event.start, zone) : undefined,
      transparency: event.transparency,
      iCalUID: event.iCalUID,
      sequence: event.sequence,
      attendees:
        event.attendees.length > 0
          ? event.attendees.map((attendee) => ({
              ...attendee,
              ...(self(attendee.email) ? { self: true } : {}),
            }))
          : undefined,
      hangoutLink: event.hangoutLink,
      reminders: { useDefault: true },
      eventType: "default",
    };
    return JSON.parse(JSON.stringify(wire)) as Record<string, unknown>;
  };

  const responseZone = (query: URLSearchParams, state: CalendarState): Result<string> => {
    const zone = query.get("timeZone");
    if (zone === null) return { ok: state.timeZone };
    return knownZone(zone) ? { ok: zone } : { error: badRequest("Invalid time zone definition.", "invalid") };
  };

  const listEvents = (request: ProviderHttpRequest, state: CalendarState): ProviderHttpResponse => {
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
      items: events.map((event) => render(event, state, zone.ok)),
    };
    if (offset + page < total) body.nextPageToken = Buffer.from(String(offset + page)).toString("base64url");
    return { status: 200, body };
  };

  const readTime = (value: unknown, which: "start" | "end", state: CalendarState): Result<StoredTime> => {
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
  };

  const checkSpan = (
    start: StoredTime,
    end: StoredTime,
    state: CalendarState,
  ): ProviderHttpResponse | undefined => {
    if (start.kind !== end.kind) {
      return badRequest("Start and end times must either both be date or both be dateTime.", "invalid");
    }
    if (startMs(end, state) <= startMs(start, state)) {
      return badRequest("The specified time range is empty.", "timeRangeEmpty");
    }
    return undefined;
  };

  const readAttendees = (value: unknown, previous: readonly StoredAttendee[]): Result<StoredAttendee[]> => {
    if (!Array.isArray(value)) return { error: badRequest("Invalid value for: attendees", "invalid") };
    const known = new Map(previous.map((attendee) => [attendee.email.toLowerCase(), attendee]));
    const attendees: StoredAttendee[] = [];
    for (const item of value) {
      const email =
        typeof item === "object" && item !== null ? (item as { email?: unknown }).email : undefined;
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
  };

  /** Applies the writable fields of an insert or patch body to `event`. */
  const applyBody = (
    event: StoredCalendarEvent,
    body: Record<string, unknown>,
    state: CalendarState,
  ): ProviderHttpResponse | undefined => {
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
      const owner = event.attendees.find((attendee) => attendee.email.toLowerCase() === state.owner.email);
      if (owner) owner.responseStatus = "accepted";
    }
    return checkSpan(event.start, event.end, state);
  };

  const insertEvent = (request: ProviderHttpRequest, state: CalendarState): ProviderHttpResponse => {
    const body = request.body;
    if (typeof body !== "object" || body === null || Array.isArray(body))
      return badRequest("Parse Error", "parseError");
    const fields = body as Record<string, unknown>;
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
    return { status: 200, body: render(event, state, zone.ok) };
  };

  const patchEvent = (request: ProviderHttpRequest, state: CalendarState, event: StoredCalendarEvent) => {
    const body = request.body ?? {};
    if (typeof body !== "object" || body === null || Array.isArray(body))
      return badRequest("Parse Error", "parseError");
    const zone = responseZone(request.query, state);
    if ("error" in zone) return zone.error;
    // Work on a copy so a rejected patch leaves the event untouched.
    const draft: StoredCalendarEvent = structuredClone(event);
    const problem = applyBody(draft, body as Record<string, unknown>, state);
    if (problem) return problem;
    const fields = body as Record<string, unknown>;
    if (fields.start !== undefined || fields.end !== undefined) draft.sequence++;
    draft.updated = now().getTime();
    state.events.set(draft.id, draft);
    return { status: 200, body: render(draft, state, zone.ok) };
  };

  const freeBusy = (request: ProviderHttpRequest, state: CalendarState): ProviderHttpResponse => {
    const body = request.body;
    if (typeof body !== "object" || body === null || Array.isArray(body))
      return badRequest("Parse Error", "parseError");
    const fields = body as { timeMin?: unknown; timeMax?: unknown; timeZone?: unknown; items?: unknown };
    if (fields.timeMin === undefined) return badRequest("Missing timeMin parameter.", "required");
    if (fields.timeMax === undefined) return badRequest("Missing timeMax parameter.", "required");
    const timeMin = typeof fields.timeMin === "string" ? parseRfc3339(fields.timeMin) : undefined;
    const timeMax = typeof fields.timeMax === "string" ? parseRfc3339(fields.timeMax) : undefined;
    if (timeMin === undefined || timeMax === undefined) return badRequest();
    if (timeMax <= timeMin) return badRequest("The specified time range is empty.", "timeRangeEmpty");
    let zone: string | undefined;
    if (fields.timeZone !== undefined) {
      if (typeof fields.timeZone !== "string" || !knownZone(fields.timeZone)) {
        return badRequest("Invalid time zone definition.", "invalid");
      }
      zone = fields.timeZone;
    }
    const format = (at: number) => rfc3339(at, zone);
    const items = Array.isArray(fields.items) ? fields.items : [];
    const calendarsOut: Record<string, unknown> = {};
    for (const item of items) {
      const id = typeof item === "object" && item !== null ? (item as { id?: unknown }).id : undefined;
      if (typeof id !== "string") return badRequest("Invalid value for: items", "invalid");
      if (id !== "primary" && id.toLowerCase() !== state.owner.email) {
        calendarsOut[id] = { errors: [{ domain: "global", reason: "notFound" }], busy: [] };
        continue;
      }
      const blocks = [...state.events.values()]
        .filter((event) => event.transparency !== "transparent")
        .filter((event) => {
          const self = event.attendees.find((attendee) => attendee.email.toLowerCase() === state.owner.email);
          return self?.responseStatus !== "declined";
        })
        .map((event) => ({ start: startMs(event.start, state), end: startMs(event.end, state) }))
        .filter((block) => block.end > timeMin && block.start < timeMax)
        .map((block) => ({ start: Math.max(block.start, timeMin), end: Math.min(block.end, timeMax) }))
        .sort((a, b) => a.start - b.start);
      const merged: { start: number; end: number }[] = [];
      for (const block of blocks) {
        const last = merged.at(-1);
        if (last && block.start <= last.end) last.end = Math.max(last.end, block.end);
        else merged.push({ ...block });
      }
      calendarsOut[id] = {
        busy: merged.map((block) => ({ start: format(block.start), end: format(block.end) })),
      };
    }
    return {
      status: 200,
      body: {
        kind: "calendar#freeBusy",
        timeMin: new Date(timeMin).toISOString(),
        timeMax: new Date(timeMax).toISOString(),
        calendars: calendarsOut,
      },
    };
  };

  return {
    connector: "google-calendar",
    pathPrefixes: [PREFIX],
    unauthorized() {
      const response = googleError(
        401,
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
        "authError",
      );
      return {
        ...response,
        headers: { "www-authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
      };
    },
    insufficientScope(scope) {
      const response = googleError(
        403,
        "Request had insufficient authentication scopes.",
        "insufficientPermissions",
      );
      return {
        ...response,
        headers: {
          "www-authenticate": `Bearer realm="https://accounts.google.com/", error="insufficient_scope", scope="${scope}"`,
        },
      };
    },
    requiredScope() {
      return CALENDAR_SCOPE;
    },
    handle(request) {
      const state = stateFor(request.grant.identifier);
      const segments = pathSegments(request.path, PREFIX);
      if (segments.length === 1 && segments[0] === "freeBusy") {
        return request.method === "POST" ? freeBusy(request, state) : notFound();
      }
      const [calendars, calendarId, events, eventId, ...rest] = segments;
      if (calendars !== "calendars" || events !== "events" || rest.length > 0 || calendarId === undefined) {
        return notFound();
      }
      if (calendarId !== "primary" && calendarId.toLowerCase() !== state.owner.email) return notFound();
      if (eventId === undefined) {
        if (request.method === "GET") return listEvents(request, state);
        if (request.method === "POST") return insertEvent(request, state);
        return notFound();
      }
      const event = state.events.get(eventId);
      if (!event) {
        if (request.method === "DELETE" && state.deleted.has(eventId)) {
          return googleError(410, "Resource has been deleted", "deleted");
        }
        return notFound();
      }
      if (request.method === "GET") {
        const zone = responseZone(request.query, state);
        if ("error" in zone) return zone.error;
        return { status: 200, body: render(event, state, zone.ok) };
      }
      if (request.method === "PATCH") return patchEvent(request, state, event);
      if (request.method === "DELETE") {
        state.events.delete(eventId);
        state.deleted.add(eventId);
        return { status: 204 };
      }
      return notFound();
    },
    inspect(identifier) {
      const state = stateFor(identifier);
      const events = [...state.events.values()]
        .sort((a, b) => startMs(a.start, state) - startMs(b.start, state))
        .map((event) => render(event, state, state.timeZone));
      return { owner: state.owner.email, timeZone: state.timeZone, events, deletedIds: [...state.deleted] };
    },
  };
}

/** An RFC 3339 timestamp, which Google requires to carry an offset. */
function parseRfc3339(text: string): number | undefined {
  const stamp = readStamp(text);
  return stamp?.kind === "exact" ? stamp.epochMs : undefined;
}
