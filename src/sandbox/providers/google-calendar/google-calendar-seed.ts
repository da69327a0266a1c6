import { seedCalendar, seedDigest } from "../seed-support.js";

/** A calendar time as the emulator stores it: an instant with its zone label, or an all-day date. */
export type StoredTime = { kind: "timed"; at: number; timeZone: string } | { kind: "date"; date: string };

export interface StoredAttendee {
  email: string;
  displayName?: string | undefined;
  responseStatus: "needsAction" | "declined" | "tentative" | "accepted";
  organizer?: boolean;
}

export interface StoredPerson {
  email: string;
  displayName?: string;
}

export interface StoredCalendarEvent {
  id: string;
  iCalUID: string;
  summary?: string;
  description?: string;
  location?: string;
  start: StoredTime;
  /** Exclusive, as in Google's API (the day after the last day for all-day events). */
  end: StoredTime;
  attendees: StoredAttendee[];
  organizer: StoredPerson;
  transparency?: "transparent";
  hangoutLink?: string;
  recurringEventId?: string;
  created: number;
  updated: number;
  sequence: number;
}

export interface CalendarSeedOptions {
  now: Date;
  timeZone: string;
  owner: StoredPerson;
  /** Makes ids unique per user, as they are per calendar in Google. */
  identifier: string;
}

/** A Google-valid event id (base32hex characters) derived from a stable key. */
export function seededEventId(identifier: string, key: string): string {
  return seedDigest(identifier, key, "hex").slice(0, 26);
}

/** `20250612T133000Z`, the suffix Google gives instances of a recurring event. */
function instanceSuffix(at: number): string {
  return new Date(at)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

type Response = StoredAttendee["responseStatus"];
/** A guest, who has accepted unless a response is given. */
type Guest = StoredPerson & { response?: Response };

const DANA = { email: "dana@example.com", displayName: "Dana Whitfield" };
const SAM = { email: "sam@example.com", displayName: "Sam Ortiz" };
const LEE = { email: "lee@example.com", displayName: "Lee Park" };
const PRIYA = { email: "priya@example.com", displayName: "Priya Raman" };
const MORGAN = { email: "morgan@example.com", displayName: "Morgan Hale" };
const ANA = { email: "ana@example.com", displayName: "Ana Sousa" };
const TEAM: Guest[] = [DANA, SAM, { ...LEE, response: "tentative" }];

interface EventSpec {
  summary: string;
  /** Without guests the event has no attendee list (not even its owner). */
  guests?: Guest[];
  location?: string;
  description?: string;
  hangoutLink?: string;
  /** An instance of the series named by the key: the id is the series id plus the start. */
  recurring?: boolean;
  organizer?: StoredPerson;
}

/**
 * About fourteen events from three days ago to ten days ahead, relative to `now` in the user's zone:
 * a daily standup expanded into instances, a weekly sync, tomorrow's 1:1, lunch and check-in, an
 * all-day holiday, guests, locations and a Meet link.
 */
export function seedCalendarEvents(options: CalendarSeedOptions): StoredCalendarEvent[] {
  const { now, timeZone, owner, identifier } = options;
  const calendar = seedCalendar(now, timeZone);
  const created = now.getTime() - 30 * 86_400_000;
  const events: StoredCalendarEvent[] = [];

  /** Adds an event `minutes` long at `[hour, minute]`, `day` days from today. */
  const add = (key: string, day: number, time: [number, number], minutes: number, spec: EventSpec) => {
    const { start, end } = calendar.span(day, time, minutes);
    const baseId = seededEventId(identifier, key);
    const organizer = spec.organizer ? { ...spec.organizer } : owner;
    const organizerFlag = (email: string) => (organizer.email === email ? { organizer: true } : {});
    const event: StoredCalendarEvent = {
      id: spec.recurring ? `${baseId}_${instanceSuffix(start)}` : baseId,
      iCalUID: `${baseId}@google.com`,
      summary: spec.summary,
      start: { kind: "timed", at: start, timeZone },
      end: { kind: "timed", at: end, timeZone },
      attendees: [],
      organizer,
      created,
      updated: created,
      sequence: 0,
    };
    if (spec.guests) {
      event.attendees = [
        { email: owner.email, responseStatus: "accepted", ...organizerFlag(owner.email) },
        ...spec.guests.map(({ email, displayName, response }) => ({
          email,
          displayName,
          responseStatus: response ?? "accepted",
          ...organizerFlag(email),
        })),
      ];
    }
    if (spec.location) event.location = spec.location;
    if (spec.description) event.description = spec.description;
    if (spec.hangoutLink) event.hangoutLink = spec.hangoutLink;
    if (spec.recurring) event.recurringEventId = baseId;
    events.push(event);
  };

  for (const day of [-1, 0, 1, 2]) {
    add("standup", day, [9, 30], 15, {
      recurring: true,
      summary: "Standup",
      guests: TEAM,
      hangoutLink: "https://meet.google.com/xqd-kvnw-pty",
      description: "Daily standup: yesterday, today, blockers. Keep it to 15 minutes.",
    });
  }
  add("coffee-priya", -3, [8, 30], 45, {
    summary: "Coffee with Priya",
    guests: [PRIYA],
    location: "Blue Bottle Coffee, 66 Mint St",
  });
  add("quarterly-planning", -1, [13, 0], 120, {
    summary: "Quarterly planning",
    guests: [...TEAM, MORGAN],
    location: "Room 4.2 (Everest)",
    description:
      "Agenda:\n1. Review last quarter's goals and what slipped\n2. Draft objectives for next quarter\n3. Staffing and hiring asks\n4. Risks and dependencies on the platform team\n\nPre-read: https://docs.example.com/planning/q3-draft — please add comments before the meeting so we can spend the time on decisions rather than reading.\n\nJoin by phone: +1 415-555-0139, PIN 482 913#",
  });
  add("design-review", 0, [15, 0], 60, {
    summary: "Design review: onboarding flow",
    guests: [LEE, { ...ANA, response: "needsAction" }],
    description: "Walk through the new onboarding screens.\nMeet: https://meet.google.com/rfa-ywbc-mzk",
    hangoutLink: "https://meet.google.com/rfa-ywbc-mzk",
  });
  add("one-on-one-dana", 1, [11, 0], 30, {
    summary: "1:1 with Dana",
    guests: [DANA],
    description:
      "Weekly 1:1. Topics: promotion packet, on-call load.\nJoin with Google Meet: https://meet.google.com/hvb-fmzr-kdu",
    hangoutLink: "https://meet.google.com/hvb-fmzr-kdu",
  });
  // Not Sam: the demo's "schedule lunch with sam@… tomorrow" then "move my lunch with Sam" must find one event.
  add("lunch-ana", 1, [12, 30], 60, {
    summary: "Lunch with Ana",
    guests: [ANA],
    location: "Tartine Manufactory, 595 Alabama St, San Francisco",
  });
  add("atlas-checkin", 1, [15, 0], 45, {
    summary: "Project Atlas check-in",
    guests: [MORGAN, LEE],
    organizer: MORGAN,
    description: "Status of Atlas milestones; demo of the sync prototype.",
  });
  add("dentist", 2, [16, 0], 60, {
    summary: "Dentist appointment",
    location: "Bright Smile Dental, 220 Montgomery St",
  });
  for (const day of [3, 10]) {
    add("product-sync", day, [14, 0], 60, {
      recurring: true,
      summary: "Product sync",
      guests: [ANA, MORGAN],
      hangoutLink: "https://meet.google.com/pzt-aqwe-nfs",
    });
  }
  add("flight-nyc", 5, [7, 0], 330, {
    summary: "Flight to New York (UA 1532)",
    location: "SFO Terminal 3",
    description: "Confirmation ABC123. Seat 14C.",
  });
  const holidayId = seededEventId(identifier, "company-holiday");
  events.push({
    id: holidayId,
    iCalUID: `${holidayId}@google.com`,
    summary: "Company holiday",
    start: { kind: "date", date: calendar.date(8) },
    end: { kind: "date", date: calendar.date(9) },
    attendees: [],
    organizer: owner,
    transparency: "transparent",
    created,
    updated: created,
    sequence: 0,
  });
  return events;
}
