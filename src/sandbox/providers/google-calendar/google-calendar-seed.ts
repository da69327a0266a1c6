import { createHash } from "node:crypto";
import { localTime, localToday, shiftDate } from "../zoned-time.js";

/** A calendar time as the emulator stores it: an instant with its zone label, or an all-day date. */
export type StoredTime = { kind: "timed"; at: number; timeZone: string } | { kind: "date"; date: string };

export interface StoredAttendee {
  email: string;
  displayName?: string;
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
  return createHash("sha256").update(`${identifier}\u0000${key}`).digest("hex").slice(0, 26);
}

/** `20250612T133000Z`, the suffix Google gives instances of a recurring event. */
function instanceSuffix(at: number): string {
  return new Date(at)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

/**
 * About fourteen events from three days ago to ten days ahead, relative to `now` in the user's zone:
 * a daily standup expanded into instances, a weekly sync, tomorrow's 1:1, lunch and check-in, an
 * all-day holiday, guests, locations and a Meet link.
 */
export function seedCalendarEvents(options: CalendarSeedOptions): StoredCalendarEvent[] {
  const { now, timeZone, owner, identifier } = options;
  const today = localToday(now, timeZone);
  const created = now.getTime() - 30 * 86_400_000;
  const events: StoredCalendarEvent[] = [];

  const at = (dayOffset: number, hour: number, minute: number) =>
    localTime(shiftDate(today, dayOffset), hour, minute, timeZone);

  interface Spec {
    key: string;
    summary: string;
    day: number;
    start: [number, number];
    minutes: number;
    attendees?: [string, string, StoredAttendee["responseStatus"]][];
    location?: string;
    description?: string;
    hangoutLink?: string;
    recurring?: string;
    organizer?: StoredPerson;
  }

  const add = (spec: Spec) => {
    const start = at(spec.day, spec.start[0], spec.start[1]);
    const baseId = seededEventId(identifier, spec.recurring ?? spec.key);
    const id = spec.recurring ? `${baseId}_${instanceSuffix(start)}` : baseId;
    const organizer = spec.organizer ?? owner;
    const event: StoredCalendarEvent = {
      id,
      iCalUID: `${spec.recurring ? baseId : id}@google.com`,
      summary: spec.summary,
      start: { kind: "timed", at: start, timeZone },
      end: { kind: "timed", at: start + spec.minutes * 60_000, timeZone },
      attendees: [],
      organizer,
      created,
      updated: created,
      sequence: 0,
    };
    if (spec.attendees) {
      event.attendees = [
        {
          email: owner.email,
          responseStatus: "accepted",
          ...(organizer.email === owner.email ? { organizer: true } : {}),
        },
        ...spec.attendees.map(([email, displayName, responseStatus]) => ({
          email,
          displayName,
          responseStatus,
          ...(organizer.email === email ? { organizer: true } : {}),
        })),
      ];
    }
    if (spec.location) event.location = spec.location;
    if (spec.description) event.description = spec.description;
    if (spec.hangoutLink) event.hangoutLink = spec.hangoutLink;
    if (spec.recurring) event.recurringEventId = baseId;
    events.push(event);
  };

  const team: [string, string, StoredAttendee["responseStatus"]][] = [
    ["dana@example.com", "Dana Whitfield", "accepted"],
    ["sam@example.com", "Sam Ortiz", "accepted"],
    ["lee@example.com", "Lee Park", "tentative"],
  ];
  for (const day of [-1, 0, 1, 2]) {
    add({
      key: `standup-${day}`,
      recurring: "standup",
      summary: "Standup",
      day,
      start: [9, 30],
      minutes: 15,
      attendees: team,
      hangoutLink: "https://meet.google.com/xqd-kvnw-pty",
      description: "Daily standup: yesterday, today, blockers. Keep it to 15 minutes.",
    });
  }
  add({
    key: "coffee-priya",
    summary: "Coffee with Priya",
    day: -3,
    start: [8, 30],
    minutes: 45,
    attendees: [["priya@example.com", "Priya Raman", "accepted"]],
    location: "Blue Bottle Coffee, 66 Mint St",
  });
  add({
    key: "quarterly-planning",
    summary: "Quarterly planning",
    day: -1,
    start: [13, 0],
    minutes: 120,
    attendees: [...team, ["morgan@example.com", "Morgan Hale", "accepted"]],
    location: "Room 4.2 (Everest)",
    description:
      "Agenda:\n1. Review last quarter's goals and what slipped\n2. Draft objectives for next quarter\n3. Staffing and hiring asks\n4. Risks and dependencies on the platform team\n\nPre-read: https://docs.example.com/planning/q3-draft — please add comments before the meeting so we can spend the time on decisions rather than reading.\n\nJoin by phone: +1 415-555-0139, PIN 482 913#",
  });
  add({
    key: "design-review",
    summary: "Design review: onboarding flow",
    day: 0,
    start: [15, 0],
    minutes: 60,
    attendees: [
      ["lee@example.com", "Lee Park", "accepted"],
      ["ana@example.com", "Ana Sousa", "needsAction"],
    ],
    description: "Walk through the new onboarding screens.\nMeet: https://meet.google.com/rfa-ywbc-mzk",
    hangoutLink: "https://meet.google.com/rfa-ywbc-mzk",
  });
  add({
    key: "one-on-one-dana",
    summary: "1:1 with Dana",
    day: 1,
    start: [11, 0],
    minutes: 30,
    attendees: [["dana@example.com", "Dana Whitfield", "accepted"]],
    description:
      "Weekly 1:1. Topics: promotion packet, on-call load.\nJoin with Google Meet: https://meet.google.com/hvb-fmzr-kdu",
    hangoutLink: "https://meet.google.com/hvb-fmzr-kdu",
  });
  add({
    // Not Sam: the demo's "schedule lunch with sam@… tomorrow" then "move my lunch with Sam" must find one event.
    key: "lunch-ana",
    summary: "Lunch with Ana",
    day: 1,
    start: [12, 30],
    minutes: 60,
    attendees: [["ana@example.com", "Ana Sousa", "accepted"]],
    location: "Tartine Manufactory, 595 Alabama St, San Francisco",
  });
  add({
    key: "atlas-checkin",
    summary: "Project Atlas check-in",
    day: 1,
    start: [15, 0],
    minutes: 45,
    attendees: [
      ["morgan@example.com", "Morgan Hale", "accepted"],
      ["lee@example.com", "Lee Park", "accepted"],
    ],
    organizer: { email: "morgan@example.com", displayName: "Morgan Hale" },
    description: "Status of Atlas milestones; demo of the sync prototype.",
  });
  add({
    key: "dentist",
    summary: "Dentist appointment",
    day: 2,
    start: [16, 0],
    minutes: 60,
    location: "Bright Smile Dental, 220 Montgomery St",
  });
  for (const day of [3, 10]) {
    add({
      key: `product-sync-${day}`,
      recurring: "product-sync",
      summary: "Product sync",
      day,
      start: [14, 0],
      minutes: 60,
      attendees: [
        ["ana@example.com", "Ana Sousa", "accepted"],
        ["morgan@example.com", "Morgan Hale", "accepted"],
      ],
      hangoutLink: "https://meet.google.com/pzt-aqwe-nfs",
    });
  }
  add({
    key: "flight-nyc",
    summary: "Flight to New York (UA 1532)",
    day: 5,
    start: [7, 0],
    minutes: 330,
    location: "SFO Terminal 3",
    description: "Confirmation ABC123. Seat 14C.",
  });
  const holiday = shiftDate(today, 8);
  events.push({
    id: seededEventId(identifier, "company-holiday"),
    iCalUID: `${seededEventId(identifier, "company-holiday")}@google.com`,
    summary: "Company holiday",
    start: { kind: "date", date: holiday },
    end: { kind: "date", date: shiftDate(holiday, 1) },
    attendees: [],
    organizer: owner,
    transparency: "transparent",
    created,
    updated: created,
    sequence: 0,
  });
  return events;
}
