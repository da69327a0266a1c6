/** One user's primary calendar: its owner, zone, events and the ids deleted through the API. */
import { hostileCalendarEvents } from "../hostile-seeds.js";
import { sandboxAccount } from "../sandbox-account.js";
import { dayStart } from "../zoned-time.js";
import {
  type StoredCalendarEvent,
  type StoredPerson,
  type StoredTime,
  seedCalendarEvents,
} from "./google-calendar-seed.js";

export interface CalendarState {
  owner: StoredPerson;
  timeZone: string;
  events: Map<string, StoredCalendarEvent>;
  deleted: Set<string>;
}

/** The Google account email the sandbox gives an end user. */
export function calendarOwnerFor(identifier: string): StoredPerson {
  return { email: sandboxAccount(identifier, "example.com").address };
}

export function seedCalendar(
  identifier: string,
  now: Date,
  timeZone: string,
  injections: boolean,
): CalendarState {
  const owner = calendarOwnerFor(identifier);
  const seed = { now, timeZone, owner, identifier };
  const seeded = [...seedCalendarEvents(seed), ...(injections ? hostileCalendarEvents(seed) : [])];
  return { owner, timeZone, events: new Map(seeded.map((e) => [e.id, e])), deleted: new Set() };
}

/** When a time starts: all-day dates begin at midnight in the calendar's zone. */
export function startMs(time: StoredTime, state: CalendarState): number {
  return time.kind === "timed" ? time.at : dayStart(time.date, state.timeZone);
}

/** Whether `email` is the calendar owner's (Google compares addresses without case). */
export function isOwner(email: string, state: CalendarState): boolean {
  return email.toLowerCase() === state.owner.email;
}
