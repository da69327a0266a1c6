import { perUser } from "../per-user.js";
import {
  GOOGLE_CHALLENGE,
  GOOGLE_INVALID_CREDENTIALS,
  googleError,
  type ProviderEmulator,
  pathSegments,
} from "../provider-emulator.js";
import { hostZone } from "../zoned-time.js";
import { seedCalendar, startMs } from "./calendar.js";
import { notFound } from "./calendar-wire.js";
import { deleteEvent, getEvent, insertEvent, listEvents, patchEvent } from "./events.js";
import { freeBusy } from "./free-busy.js";
import { renderEvent } from "./render.js";

export { calendarOwnerFor } from "./calendar.js";

export const CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar";
const PREFIX = "/calendar/v3/";

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

/**
 * Google Calendar v3 for the primary calendar: events list/insert/get/patch/delete and freeBusy,
 * with per-user calendars seeded relative to `now()`.
 */
export function createGoogleCalendarEmulator(
  options: GoogleCalendarEmulatorOptions = {},
): GoogleCalendarEmulator {
  const now = options.now ?? (() => new Date());
  const defaultZone = options.timeZone ?? hostZone();
  const stateFor = perUser((identifier) =>
    seedCalendar(identifier, now(), defaultZone, options.injections === true),
  );

  return {
    connector: "google-calendar",
    pathPrefixes: [PREFIX],
    unauthorized() {
      const response = googleError(401, GOOGLE_INVALID_CREDENTIALS, "authError");
      return { ...response, headers: { "www-authenticate": GOOGLE_CHALLENGE.invalidToken } };
    },
    insufficientScope(scope) {
      const response = googleError(
        403,
        "Request had insufficient authentication scopes.",
        "insufficientPermissions",
      );
      return { ...response, headers: { "www-authenticate": GOOGLE_CHALLENGE.insufficientScope(scope) } };
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
        if (request.method === "GET") return listEvents(request, state, now);
        if (request.method === "POST") return insertEvent(request, state, now);
        return notFound();
      }
      const event = state.events.get(eventId);
      if (!event) {
        if (request.method === "DELETE" && state.deleted.has(eventId)) {
          return googleError(410, "Resource has been deleted", "deleted");
        }
        return notFound();
      }
      if (request.method === "GET") return getEvent(request, state, event);
      if (request.method === "PATCH") return patchEvent(request, state, event, now);
      if (request.method === "DELETE") return deleteEvent(state, eventId);
      return notFound();
    },
    inspect(identifier) {
      const state = stateFor(identifier);
      const events = [...state.events.values()]
        .sort((a, b) => startMs(a.start, state) - startMs(b.start, state))
        .map((event) => renderEvent(event, state, state.timeZone));
      return { owner: state.owner.email, timeZone: state.timeZone, events, deletedIds: [...state.deleted] };
    },
  };
}
