import { createHash } from "node:crypto";
import { DAY, HOUR, seedCalendar, seedDigest } from "../seed-support.js";

export interface GraphPerson {
  name?: string;
  address: string;
}

/** A mailbox message as the emulator stores it (Graph fields, instants as epoch ms). */
export interface StoredMessage {
  id: string;
  conversationId: string;
  folder: "inbox" | "sentitems";
  subject: string;
  bodyType: "html" | "text";
  body: string;
  from: GraphPerson;
  to: GraphPerson[];
  cc: GraphPerson[];
  bcc: GraphPerson[];
  received: number;
  isRead: boolean;
  importance: "low" | "normal" | "high";
  hasAttachments: boolean;
}

export interface StoredAttendee extends GraphPerson {
  type: "required" | "optional" | "resource";
  response: "none" | "accepted" | "tentativelyAccepted" | "declined" | "notResponded" | "organizer";
}

/** A calendar event as the emulator stores it. All-day events keep floating dates. */
export interface StoredOutlookEvent {
  id: string;
  iCalUId: string;
  subject: string;
  body: string;
  bodyType: "html" | "text";
  /** Instants for timed events; for all-day events the dates below are authoritative. */
  start: number;
  end: number;
  allDay?: { startDate: string; endDate: string };
  /** Zone name as the client sent it (IANA or Windows). */
  timeZone: string;
  location?: string;
  attendees: StoredAttendee[];
  organizer: GraphPerson;
  isOnlineMeeting: boolean;
  joinUrl?: string;
  created: number;
  modified: number;
}

/** A Graph-looking item id (base64url with Exchange's prefix), stable per user and key. */
export function graphId(identifier: string, key: string): string {
  return `AAMkAGI2${seedDigest(identifier, key, "base64url")}AAA=`;
}

export function teamsJoinUrl(seed: string): string {
  const token = createHash("sha256").update(seed).digest("hex").slice(0, 32);
  return `https://teams.microsoft.com/l/meetup-join/19%3ameeting_${token}%40thread.v2/0`;
}

const MORGAN = { name: "Morgan Lee", address: "morgan@contoso.com" };
const ALEX = { name: "Alex Chen", address: "alex.chen@contoso.com" };
const JORDAN = { name: "Jordan Patel", address: "jordan.patel@contoso.com" };
const PRIYA = { name: "Priya Nair", address: "priya.nair@fabrikam.com" };
const IT = { name: "IT Service Desk", address: "itservicedesk@contoso.com" };
const HR = { name: "Contoso HR", address: "hr@contoso.com" };
const FACILITIES = { name: "Contoso Facilities", address: "facilities@contoso.com" };
const FINANCE = { name: "Contoso Finance", address: "finance@contoso.com" };
const TEAMS = { name: "Microsoft Teams", address: "noreply@email.teams.microsoft.com" };
const SAM = { name: "Sam Rivera", address: "sam.rivera@adatum.com" };

type MessageFields = Pick<StoredMessage, "subject" | "body"> &
  Partial<Pick<StoredMessage, "conversationId" | "to" | "cc" | "isRead" | "importance" | "hasAttachments">>;

/** Attendees are given as people: each is a required guest who has accepted. */
type EventFields = Partial<Omit<StoredOutlookEvent, "attendees">> & { attendees?: GraphPerson[] };

export interface OutlookSeedOptions {
  now: Date;
  timeZone: string;
  owner: GraphPerson;
  identifier: string;
}

/** Twelve work mails from the last eight days (five unread) in a Contoso mailbox. */
export function seedMessages(options: OutlookSeedOptions): StoredMessage[] {
  const { now, owner, identifier } = options;
  const conversation = (key: string) =>
    graphId(identifier, `conversation:${key}`).replace("AAMkAGI2", "AAQkAGI2");
  /** An inbox message to the owner alone, read, its own conversation. */
  const message = (
    key: string,
    minutesAgo: number,
    from: GraphPerson,
    fields: MessageFields,
  ): StoredMessage => ({
    id: graphId(identifier, `message:${key}`),
    conversationId: conversation(key),
    folder: "inbox",
    from,
    to: [owner],
    cc: [],
    bcc: [],
    received: now.getTime() - minutesAgo * 60_000,
    isRead: true,
    importance: "normal",
    hasAttachments: false,
    // The HTML bodies are whole documents, the others plain text.
    bodyType: fields.body.startsWith("<html>") ? "html" : "text",
    ...fields,
  });
  const hiring = conversation("hiring-plan");
  return [
    message("roadmap", 45, MORGAN, {
      subject: "Q3 roadmap review: slides for Thursday",
      isRead: false,
      body: `<html><head><style>p{margin:0}</style></head><body><p>Hi,</p><p>Could you send me your three roadmap slides by <b>Wednesday noon</b>? I'd like to do a dry run before Thursday's review with the leadership team.</p><p>Template: <a href="https://contoso.sharepoint.com/sites/pm/roadmap-q3.pptx">Q3 roadmap deck</a></p><p>Thanks,<br>Morgan</p></body></html>`,
    }),
    message("password", 3 * HOUR, IT, {
      subject: "Action required: your password expires in 3 days",
      isRead: false,
      importance: "high",
      body: `<html><body><p>Your Contoso account password expires in <b>3 days</b>.</p><p>Change it at <a href="https://passwordreset.microsoftonline.com">https://passwordreset.microsoftonline.com</a> &ndash; you'll need your authenticator app.</p><p>&mdash; IT Service Desk, ext. 4357</p></body></html>`,
    }),
    message("northwind", 5 * HOUR, JORDAN, {
      subject: "Northwind outage: customer escalation",
      isRead: false,
      cc: [MORGAN],
      importance: "high",
      body: `<html><body><p>Northwind Traders reported that order sync has been failing since 06:10 UTC. Their CTO escalated to our account team.</p><ul><li>Impact: ~1,200 orders delayed</li><li>Workaround: manual CSV import</li><li>Next update: 2 hours</li></ul><p>Can you join the review tomorrow at 2pm? Invite is on your calendar.</p><p>Jordan</p></body></html>`,
    }),
    message("teams-added", 5 * HOUR + 20, TEAMS, {
      subject: "You have been added to the team 'Northwind Response'",
      body: `<html><body><p>Jordan Patel added you to the team <b>Northwind Response</b>.</p><p><a href="https://teams.microsoft.com/l/team/19%3anorthwind">Open Microsoft Teams</a></p></body></html>`,
    }),
    message("fabrikam-quote", 22 * HOUR, PRIYA, {
      subject: "Fabrikam renewal quote #FAB-2291",
      isRead: false,
      hasAttachments: true,
      body: `<html><head><style>table{border-collapse:collapse}</style></head><body><p>Hello,</p><p>Please find attached our renewal quote for the Fabrikam Analytics platform (150 seats).</p><table><tr><td>Annual licence</td><td>$84,000</td></tr><tr><td>Premium support</td><td>$12,600</td></tr><tr><td>Multi-year discount</td><td>-8%</td></tr></table><p>The quote is valid until the end of the month. Happy to walk you through it on our call.</p><p>Best regards,<br>Priya Nair<br>Account Executive, Fabrikam</p></body></html>`,
    }),
    message("expenses", 26 * HOUR, ALEX, {
      subject: "Expense report approval needed",
      body: "Hi, could you approve my expense report ER-4471 (customer visit to Northwind, $1,284.50) in Concur when you get a chance? Thanks, Alex",
    }),
    message("benefits", 2 * DAY, HR, {
      subject: "Benefits open enrollment closes Friday",
      body: `<html><body><p>Reminder: open enrollment for medical, dental and vision plans closes this <b>Friday at 5pm</b>. If you make no changes, your current elections roll over.</p><p><a href="https://hr.contoso.com/benefits">Review your benefits</a></p></body></html>`,
    }),
    message("badges", 2 * DAY + 90, FACILITIES, {
      subject: "Building 4 badge access changes on Monday",
      body: "Starting Monday, Building 4 side entrances require badge + PIN between 7pm and 7am. Main lobby access is unchanged.",
    }),
    message("hiring-reply", 3 * DAY, ALEX, {
      conversationId: hiring,
      subject: "RE: Hiring plan for H2",
      to: [MORGAN, owner],
      body: "Agree with two backend roles first. I can run the interview loop for the senior role.\n\n-----Original Message-----\nFrom: Morgan Lee\nSubject: Hiring plan for H2",
    }),
    message("hiring", 4 * DAY, MORGAN, {
      conversationId: hiring,
      subject: "Hiring plan for H2",
      to: [owner, ALEX],
      body: `<html><body><p>Team,</p><p>Finance approved four headcount for H2: two backend, one SRE, one designer. Let's agree on the order by Friday.</p><p>Morgan</p></body></html>`,
    }),
    message("month-end", 6 * DAY, FINANCE, {
      subject: "Month-end close timeline",
      body: "Accruals are due on the 27th, purchase orders must be receipted by the 28th, and the books close on the 2nd business day.",
    }),
    message("questionnaire", 8 * DAY, SAM, {
      subject: "Adatum security questionnaire: due next week",
      isRead: false,
      hasAttachments: true,
      body: "Hi, as part of our vendor review, please complete the attached security questionnaire (SIG Lite) by next Friday. Sam Rivera, Adatum Procurement",
    }),
  ];
}

/** Ten events from yesterday to nine days ahead, three of them tomorrow, in the user's zone. */
export function seedEvents(options: OutlookSeedOptions): StoredOutlookEvent[] {
  const { now, timeZone, owner, identifier } = options;
  const calendar = seedCalendar(now, timeZone);
  const created = now.getTime() - 14 * 86_400_000;
  const event = (key: string, day: number, time: [number, number], minutes: number, fields: EventFields) => {
    const id = graphId(identifier, `event:${key}`);
    const organizer = fields.organizer ?? owner;
    const { start, end } = calendar.span(day, time, minutes);
    const stored: StoredOutlookEvent = {
      id,
      iCalUId: `040000008200E00074C5B7101A82E008${createHash("sha256").update(id).digest("hex").slice(0, 40).toUpperCase()}`,
      subject: fields.subject ?? key,
      body: fields.body ?? "",
      bodyType: "html",
      start,
      end,
      timeZone,
      attendees: [
        ...(organizer.address === owner.address
          ? []
          : [{ ...organizer, type: "required" as const, response: "organizer" as const }]),
        ...(fields.attendees ?? []).map((person) => ({
          ...person,
          type: "required" as const,
          response: "accepted" as const,
        })),
      ],
      organizer,
      isOnlineMeeting: fields.isOnlineMeeting ?? false,
      created,
      modified: created,
    };
    if (fields.location) stored.location = fields.location;
    if (stored.isOnlineMeeting) stored.joinUrl = teamsJoinUrl(id);
    return stored;
  };
  const offsite = event("offsite", 9, [0, 0], 24 * 60, {
    subject: "Team offsite",
    location: "Lakeside Lodge, Redmond",
    attendees: [MORGAN, ALEX, JORDAN],
    body: "<p>Full-day planning offsite. Bus leaves the main campus at 8:15.</p>",
  });
  offsite.allDay = { startDate: calendar.date(9), endDate: calendar.date(10) };
  offsite.start = calendar.at(9, 0, 0);
  offsite.end = calendar.at(10, 0, 0);
  return [
    event("interview", -1, [10, 0], 60, {
      subject: "Interview: Senior Backend Engineer",
      attendees: [ALEX],
      isOnlineMeeting: true,
      body: "<p>Candidate: R. Okafor. Focus: system design. Scorecard in Greenhouse.</p>",
    }),
    event("fabrikam-call", 0, [16, 0], 30, {
      subject: "Vendor call: Fabrikam renewal",
      attendees: [PRIYA],
      isOnlineMeeting: true,
      body: "<p>Walk through quote #FAB-2291.</p>",
    }),
    // Not a "sync": the demo's "schedule a sync … with morgan@…" then "move my sync with Morgan" must find one.
    event("morgan-one-on-one", 1, [10, 0], 30, {
      subject: "Weekly 1:1 with Morgan",
      organizer: MORGAN,
      isOnlineMeeting: true,
      body: "<p>Standing agenda: priorities, blockers, hiring.</p>",
    }),
    event("northwind-review", 1, [14, 0], 60, {
      subject: "Northwind escalation review",
      organizer: JORDAN,
      attendees: [MORGAN],
      location: "Conference Room 4B",
      body: "<p>Root cause, customer comms, follow-ups.</p>",
    }),
    event("laptop", 1, [16, 30], 15, {
      subject: "Laptop refresh pickup",
      organizer: IT,
      location: "IT Help Desk, Building 2",
    }),
    event("qbr", 2, [13, 0], 120, {
      subject: "Quarterly business review",
      attendees: [MORGAN, ALEX, JORDAN, { name: "Dana Brooks", address: "dana.brooks@contoso.com" }],
      isOnlineMeeting: true,
      location: "Boardroom 1 / Teams",
    }),
    event("alex-1on1", 3, [11, 0], 30, { subject: "1:1 with Alex", attendees: [ALEX] }),
    event("security-training", 4, [9, 0], 60, {
      subject: "Security awareness training",
      organizer: IT,
      isOnlineMeeting: true,
      body: "<p>Mandatory annual training. Please join on time; attendance is recorded.</p>",
    }),
    event("all-hands", 6, [17, 0], 60, {
      subject: "Contoso all-hands",
      organizer: { name: "Contoso Communications", address: "comms@contoso.com" },
      location: "Auditorium / Teams",
      isOnlineMeeting: true,
    }),
    offsite,
  ];
}
