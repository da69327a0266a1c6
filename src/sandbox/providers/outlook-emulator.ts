import { randomBytes, randomUUID } from "node:crypto";
import { hostileOutlookEvents, hostileOutlookMessages } from "./hostile-seeds.js";
import { htmlText } from "./mime.js";
import {
  type GraphPerson,
  graphId,
  type StoredAttendee,
  type StoredMessage,
  type StoredOutlookEvent,
  seedEvents,
  seedMessages,
  teamsJoinUrl,
} from "./outlook-seed.js";
import {
  type ProviderEmulator,
  type ProviderHttpRequest,
  type ProviderHttpResponse,
  pathSegments,
} from "./provider-emulator.js";
import { graphWallTime, ianaForGraphZone, readStamp, wallToEpoch } from "./zoned-time.js";

const PREFIX = "/v1.0/me/";
const GRAPH = "https://graph.microsoft.com/v1.0";
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DEFAULT_PAGE = 10;

export interface OutlookEmulatorOptions {
  now?: () => Date;
  /** The mailbox's time zone: where seeded wall times such as 10:00 live. */
  timeZone?: string;
  /**
   * Largest page the server returns whatever `$top` asks (Graph pages server-side, so clients
   * must follow `@odata.nextLink`). Default 1000.
   */
  pageSizeLimit?: number;
  /** Also seed the hostile corpus (prompt-injection tests; see hostile-seeds.ts). */
  injections?: boolean;
}

/** A read-only view of one user's mailbox and calendar, for tests. */
export interface MailboxSnapshot {
  owner: GraphPerson;
  timeZone: string;
  /** Inbox and Sent Items, newest first, in Graph's shape. */
  messages: Record<string, unknown>[];
  /** Messages sent through `sendMail`, newest first. */
  sent: Record<string, unknown>[];
  /** Events ordered by start, in Graph's shape (UTC). */
  events: Record<string, unknown>[];
  deletedEventIds: string[];
}

export interface OutlookEmulator extends ProviderEmulator {
  inspect(identifier: string): MailboxSnapshot;
}

interface Mailbox {
  owner: GraphPerson;
  timeZone: string;
  messages: StoredMessage[];
  events: Map<string, StoredOutlookEvent>;
  deletedEvents: Set<string>;
}

/** The work account the sandbox gives an end user. */
export function mailboxOwnerFor(identifier: string): GraphPerson {
  const last = identifier.split("/").at(-1) ?? identifier;
  const local = (EMAIL.test(last) ? (last.split("@")[0] ?? last) : last)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, ".")
    .replace(/^\.+|\.+$/g, "");
  const address = EMAIL.test(last) ? last.toLowerCase() : `${local || "user"}@contoso.com`;
  const name = (local || "user")
    .split(/[._-]+/)
    .filter(Boolean)
    .map((word) => word[0]?.toUpperCase() + word.slice(1))
    .join(" ");
  return { name, address };
}

function graphError(
  status: number,
  code: string,
  message: string,
  headers?: Record<string, string>,
): ProviderHttpResponse {
  const response: ProviderHttpResponse = {
    status,
    body: {
      error: {
        code,
        message,
        innerError: {
          date: new Date().toISOString().slice(0, 19),
          "request-id": randomUUID(),
          "client-request-id": randomUUID(),
        },
      },
    },
  };
  if (headers) response.headers = headers;
  return response;
}

const itemNotFound = () =>
  graphError(404, "ErrorItemNotFound", "The specified object was not found in the store.");
const badRequest = (message: string, code = "BadRequest") => graphError(400, code, message);

/** An ISO timestamp; without an offset Graph reads it as UTC. */
function parseUtcDefault(text: string): number | undefined {
  const stamp = readStamp(text);
  if (!stamp) return undefined;
  if (stamp.kind === "exact") return stamp.epochMs;
  return stamp.kind === "wall" ? wallToEpoch(stamp.wall, "UTC") : Date.parse(`${stamp.date}T00:00:00Z`);
}

function person(value: unknown): GraphPerson | undefined {
  const address = (value as { emailAddress?: { address?: unknown } } | null)?.emailAddress?.address;
  if (typeof address !== "string") return undefined;
  const name = (value as { emailAddress: { name?: unknown } }).emailAddress.name;
  return typeof name === "string" ? { name, address } : { address };
}

function recipient(value: GraphPerson) {
  return { emailAddress: { name: value.name ?? value.address, address: value.address } };
}

function select(body: Record<string, unknown>, query: URLSearchParams): Record<string, unknown> {
  const fields = query.get("$select");
  if (!fields) return body;
  const wanted = new Set(fields.split(",").map((field) => field.trim()));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (key === "id" || key === "@odata.etag" || wanted.has(key)) out[key] = value;
  }
  return out;
}

function pageOf<T>(
  items: T[],
  query: URLSearchParams,
  path: string,
  limit: number,
): { page: T[]; nextLink?: string } | ProviderHttpResponse {
  const topText = query.get("$top");
  const skipText = query.get("$skip");
  const top = topText === null ? DEFAULT_PAGE : Number(topText);
  const skip = skipText === null ? 0 : Number(skipText);
  if (!Number.isInteger(top) || top < 1 || top > 1000)
    return badRequest(`Invalid value '${topText}' for $top query option found.`);
  if (!Number.isInteger(skip) || skip < 0)
    return badRequest(`Invalid value '${skipText}' for $skip query option found.`);
  const size = Math.min(top, limit);
  const page = items.slice(skip, skip + size);
  if (skip + size >= items.length) return { page };
  const next = new URLSearchParams(query);
  next.set("$skip", String(skip + size));
  return { page, nextLink: `${GRAPH}${path.slice("/v1.0".length)}?${next.toString()}` };
}

interface FilterClause {
  property: string;
  operator: string;
  value: string | number | boolean;
}

const FILTERABLE: Readonly<Record<string, string>> = {
  receiveddatetime: "receivedDateTime",
  isread: "isRead",
  "from/emailaddress/address": "from/emailAddress/address",
  importance: "importance",
  hasattachments: "hasAttachments",
};

function parseFilter(text: string): FilterClause[] | ProviderHttpResponse {
  const clauses: FilterClause[] = [];
  for (const part of text.split(/\s+and\s+/i)) {
    const match = /^\s*([\w/]+)\s+(eq|ne|gt|ge|lt|le)\s+(.+?)\s*$/i.exec(part);
    if (!match) return badRequest(`Invalid filter clause: '${part.trim()}'.`);
    const [, rawProperty = "", operator = "", rawValue = ""] = match;
    const property = FILTERABLE[rawProperty.toLowerCase()];
    if (!property)
      return badRequest(
        `Could not find a property named '${rawProperty}' on type 'microsoft.graph.message'.`,
      );
    let value: string | number | boolean;
    if (/^(true|false)$/i.test(rawValue)) value = rawValue.toLowerCase() === "true";
    else if (/^'.*'$/.test(rawValue)) value = rawValue.slice(1, -1).replace(/''/g, "'");
    else {
      const instant = parseUtcDefault(rawValue);
      if (instant === undefined) return badRequest(`Syntax error at position 0 in '${rawValue}'.`);
      value = instant;
    }
    clauses.push({ property, operator: operator.toLowerCase(), value });
  }
  return clauses;
}

function compare(
  left: string | number | boolean,
  operator: string,
  right: string | number | boolean,
): boolean {
  const l = typeof left === "string" ? left.toLowerCase() : left;
  const r = typeof right === "string" ? right.toLowerCase() : right;
  switch (operator) {
    case "eq":
      return l === r;
    case "ne":
      return l !== r;
    case "gt":
      return l > r;
    case "ge":
      return l >= r;
    case "lt":
      return l < r;
    default:
      return l <= r;
  }
}

function filterValue(message: StoredMessage, property: string): string | number | boolean {
  switch (property) {
    case "receivedDateTime":
      return message.received;
    case "isRead":
      return message.isRead;
    case "from/emailAddress/address":
      return message.from.address;
    case "importance":
      return message.importance;
    default:
      return message.hasAttachments;
  }
}

/** KQL as Graph applies it to messages: `prop:value` terms and free terms, all required. */
function searchMatcher(text: string): (message: StoredMessage) => boolean {
  const value = text.trim().replace(/^"([\s\S]*)"$/, "$1");
  const terms: { property?: string; value: string }[] = [];
  for (const match of value.matchAll(/(\w+):("[^"]*"|\S+)|"([^"]*)"|(\S+)/g)) {
    if (match[4] === "AND") continue;
    if (match[1]) terms.push({ property: match[1].toLowerCase(), value: (match[2] ?? "").replace(/"/g, "") });
    else terms.push({ value: match[3] ?? match[4] ?? "" });
  }
  const people = (list: GraphPerson[]) => list.map((p) => `${p.name ?? ""} ${p.address}`).join(" ");
  return (message) => {
    const fields: Record<string, string> = {
      from: people([message.from]),
      to: people(message.to),
      cc: people(message.cc),
      subject: message.subject,
      body: message.bodyType === "html" ? htmlText(message.body) : message.body,
    };
    fields.participants = `${fields.from} ${fields.to} ${fields.cc}`;
    fields.recipients = `${fields.to} ${fields.cc}`;
    return terms.every((term) => {
      const needle = term.value.toLowerCase();
      if (!needle) return true;
      const haystack = term.property
        ? (fields[term.property] ?? "")
        : `${fields.from} ${fields.subject} ${fields.body}`;
      return haystack.toLowerCase().includes(needle);
    });
  };
}

/**
 * Microsoft Graph v1.0 for `/me`: messages (list with $search/$filter/$orderby/$top/$select, get),
 * sendMail, calendarView and events (create/get/patch/delete), with per-user mailboxes seeded
 * relative to `now()`. Event times come back in UTC, as Graph does without a `Prefer` header.
 */
export function createOutlookEmulator(options: OutlookEmulatorOptions = {}): OutlookEmulator {
  const now = options.now ?? (() => new Date());
  const defaultZone = options.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? "UTC";
  const pageSizeLimit = options.pageSizeLimit ?? 1000;
  const mailboxes = new Map<string, Mailbox>();

  const mailboxFor = (identifier: string): Mailbox => {
    let mailbox = mailboxes.get(identifier);
    if (!mailbox) {
      const owner = mailboxOwnerFor(identifier);
      const seed = { now: now(), timeZone: defaultZone, owner, identifier };
      mailbox = {
        owner,
        timeZone: defaultZone,
        messages: [...seedMessages(seed), ...(options.injections ? hostileOutlookMessages(seed) : [])],
        events: new Map(
          [...seedEvents(seed), ...(options.injections ? hostileOutlookEvents(seed) : [])].map((event) => [
            event.id,
            event,
          ]),
        ),
        deletedEvents: new Set(),
      };
      mailboxes.set(identifier, mailbox);
    }
    return mailbox;
  };

  const renderMessage = (message: StoredMessage): Record<string, unknown> => {
    const text = message.bodyType === "html" ? htmlText(message.body) : message.body;
    const stamp = new Date(message.received).toISOString().replace(/\.\d{3}Z$/, "Z");
    return {
      "@odata.etag": `W/"CQAAABYAAAB${message.id.slice(8, 20)}"`,
      id: message.id,
      createdDateTime: stamp,
      lastModifiedDateTime: stamp,
      receivedDateTime: stamp,
      sentDateTime: stamp,
      hasAttachments: message.hasAttachments,
      internetMessageId: `<${message.id.slice(8, 30)}@${message.from.address.split("@")[1] ?? "contoso.com"}>`,
      subject: message.subject,
      bodyPreview: text.replace(/\s+/g, " ").trim().slice(0, 255),
      importance: message.importance,
      parentFolderId: message.folder === "inbox" ? "AQMkAGI2inbox" : "AQMkAGI2sentitems",
      conversationId: message.conversationId,
      isRead: message.isRead,
      isDraft: false,
      webLink: `https://outlook.office365.com/owa/?ItemID=${encodeURIComponent(message.id)}&exvsurl=1&viewmodel=ReadMessageItem`,
      inferenceClassification: "focused",
      body: { contentType: message.bodyType, content: message.body },
      sender: recipient(message.from),
      from: recipient(message.from),
      toRecipients: message.to.map(recipient),
      ccRecipients: message.cc.map(recipient),
      bccRecipients: message.folder === "sentitems" ? message.bcc.map(recipient) : [],
      replyTo: [],
      flag: { flagStatus: "notFlagged" },
    };
  };

  const renderEvent = (
    event: StoredOutlookEvent,
    mailbox: Mailbox,
    zoneName: string,
  ): Record<string, unknown> => {
    const zone = ianaForGraphZone(zoneName) ?? "UTC";
    const time = (instant: number, date: string | undefined) => ({
      dateTime: date ? `${date}T00:00:00.0000000` : graphWallTime(instant, zone),
      timeZone: zoneName,
    });
    const isOrganizer = event.organizer.address === mailbox.owner.address;
    const text = event.bodyType === "html" ? htmlText(event.body) : event.body;
    return {
      "@odata.etag": `W/"DwAAABYAAAB${event.id.slice(8, 20)}"`,
      id: event.id,
      createdDateTime: new Date(event.created).toISOString(),
      lastModifiedDateTime: new Date(event.modified).toISOString(),
      categories: [],
      originalStartTimeZone: event.timeZone,
      originalEndTimeZone: event.timeZone,
      iCalUId: event.iCalUId,
      reminderMinutesBeforeStart: 15,
      isReminderOn: true,
      hasAttachments: false,
      subject: event.subject,
      bodyPreview: text.replace(/\s+/g, " ").trim().slice(0, 255),
      importance: "normal",
      sensitivity: "normal",
      isAllDay: event.allDay !== undefined,
      isCancelled: false,
      isOrganizer,
      responseRequested: true,
      seriesMasterId: null,
      showAs: "busy",
      type: "singleInstance",
      webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(event.id)}&exvsurl=1&path=/calendar/item`,
      onlineMeetingUrl: null,
      isOnlineMeeting: event.isOnlineMeeting,
      onlineMeetingProvider: event.isOnlineMeeting ? "teamsForBusiness" : "unknown",
      responseStatus: { response: isOrganizer ? "organizer" : "accepted", time: "0001-01-01T00:00:00Z" },
      body: { contentType: event.bodyType, content: event.body },
      start: time(event.start, event.allDay?.startDate),
      end: time(event.end, event.allDay?.endDate),
      location: { displayName: event.location ?? "", locationType: "default", uniqueIdType: "unknown" },
      locations: event.location ? [{ displayName: event.location, locationType: "default" }] : [],
      attendees: event.attendees.map((attendee) => ({
        type: attendee.type,
        status: { response: attendee.response, time: "0001-01-01T00:00:00Z" },
        emailAddress: { name: attendee.name ?? attendee.address, address: attendee.address },
      })),
      organizer: recipient(event.organizer),
      onlineMeeting: event.joinUrl ? { joinUrl: event.joinUrl } : null,
    };
  };

  const listMessages = (request: ProviderHttpRequest, mailbox: Mailbox): ProviderHttpResponse => {
    const { query } = request;
    const search = query.get("$search");
    const filterText = query.get("$filter");
    const orderBy = query.get("$orderby");
    let messages = [...mailbox.messages];
    if (search !== null) {
      if (orderBy !== null)
        return badRequest("The query parameter '$orderBy' is not supported with '$search'.");
      if (filterText !== null)
        return badRequest("The query parameter '$filter' is not supported with '$search'.");
      messages = messages.filter(searchMatcher(search));
    }
    let clauses: FilterClause[] = [];
    if (filterText !== null) {
      const parsed = parseFilter(filterText);
      if (!Array.isArray(parsed)) return parsed;
      clauses = parsed;
      messages = messages.filter((message) =>
        clauses.every((clause) =>
          compare(filterValue(message, clause.property), clause.operator, clause.value),
        ),
      );
    }
    let descending = true;
    if (orderBy !== null) {
      const match = /^\s*(receivedDateTime|sentDateTime)(?:\s+(asc|desc))?\s*$/i.exec(orderBy);
      if (!match)
        return badRequest(
          `Could not find a property named '${orderBy.split(" ")[0]}' on type 'microsoft.graph.message'.`,
        );
      // Exchange sorts only on a property the restriction starts with.
      if (clauses.length > 0 && clauses[0]?.property.toLowerCase() !== (match[1] ?? "").toLowerCase()) {
        return badRequest(
          "The restriction or sort order is too complex for this operation.",
          "InefficientFilter",
        );
      }
      descending = (match[2] ?? "asc").toLowerCase() === "desc";
    }
    messages.sort((a, b) => (descending ? b.received - a.received : a.received - b.received));
    const paged = pageOf(messages, query, request.path, pageSizeLimit);
    if ("status" in paged) return paged;
    const body: Record<string, unknown> = {
      "@odata.context": `${GRAPH}/$metadata#users('${mailbox.owner.address}')/messages`,
      value: paged.page.map((message) => select(renderMessage(message), query)),
    };
    if (paged.nextLink) body["@odata.nextLink"] = paged.nextLink;
    return { status: 200, body };
  };

  const sendMail = (request: ProviderHttpRequest, mailbox: Mailbox): ProviderHttpResponse => {
    const body = request.body as { message?: Record<string, unknown>; saveToSentItems?: unknown } | undefined;
    const message = body?.message;
    if (typeof message !== "object" || message === null) {
      return badRequest("Empty Payload. JSON content expected.", "ErrorInvalidRequest");
    }
    const list = (value: unknown): GraphPerson[] | undefined => {
      if (value === undefined) return [];
      if (!Array.isArray(value)) return undefined;
      const people = value.map(person);
      return people.every((p): p is GraphPerson => p !== undefined && EMAIL.test(p.address))
        ? people
        : undefined;
    };
    const to = list(message.toRecipients);
    const cc = list(message.ccRecipients);
    const bcc = list(message.bccRecipients);
    if (!to || !cc || !bcc || to.length + cc.length + bcc.length === 0) {
      return badRequest(
        "At least one recipient isn't valid., A message can't be sent because it contains no recipients.",
        "ErrorInvalidRecipients",
      );
    }
    const content = message.body as { contentType?: unknown; content?: unknown } | undefined;
    if (body?.saveToSentItems !== false) {
      const id = graphId(mailbox.owner.address, `sent:${randomBytes(8).toString("hex")}`);
      mailbox.messages.push({
        id,
        conversationId: id.replace("AAMkAGI2", "AAQkAGI2"),
        folder: "sentitems",
        subject: typeof message.subject === "string" ? message.subject : "",
        bodyType: String(content?.contentType ?? "text").toLowerCase() === "html" ? "html" : "text",
        body: typeof content?.content === "string" ? content.content : "",
        from: mailbox.owner,
        to,
        cc,
        bcc,
        received: now().getTime(),
        isRead: true,
        importance: "normal",
        hasAttachments: false,
      });
    }
    return { status: 202 };
  };

  const calendarView = (request: ProviderHttpRequest, mailbox: Mailbox): ProviderHttpResponse => {
    const { query } = request;
    const startText = query.get("startDateTime");
    const endText = query.get("endDateTime");
    if (startText === null || endText === null) {
      return badRequest(
        "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.",
        "ErrorInvalidParameter",
      );
    }
    const start = parseUtcDefault(startText);
    const end = parseUtcDefault(endText);
    if (start === undefined)
      return badRequest(
        `The value '${startText}' of parameter 'StartDateTime' is invalid.`,
        "ErrorInvalidParameter",
      );
    if (end === undefined)
      return badRequest(
        `The value '${endText}' of parameter 'EndDateTime' is invalid.`,
        "ErrorInvalidParameter",
      );
    const orderBy = query.get("$orderby");
    if (orderBy !== null && !/^\s*start\/dateTime(\s+(asc|desc))?\s*$/i.test(orderBy)) {
      return badRequest(`The $orderby expression '${orderBy}' is not supported.`);
    }
    const descending = /desc\s*$/i.test(orderBy ?? "");
    const events = [...mailbox.events.values()]
      .filter((event) => event.end > start && event.start < end)
      .sort((a, b) => (descending ? b.start - a.start : a.start - b.start) || a.id.localeCompare(b.id));
    const paged = pageOf(events, query, request.path, pageSizeLimit);
    if ("status" in paged) return paged;
    const body: Record<string, unknown> = {
      "@odata.context": `${GRAPH}/$metadata#users('${mailbox.owner.address}')/calendarView`,
      value: paged.page.map((event) => select(renderEvent(event, mailbox, "UTC"), query)),
    };
    if (paged.nextLink) body["@odata.nextLink"] = paged.nextLink;
    return { status: 200, body };
  };

  /** `GET /me/events`: every event, by start; `$filter` on start/end dateTime (UTC) with and. */
  const listEvents = (request: ProviderHttpRequest, mailbox: Mailbox): ProviderHttpResponse => {
    const { query } = request;
    const orderBy = query.get("$orderby");
    if (orderBy !== null && !/^\s*start\/dateTime(\s+(asc|desc))?\s*$/i.test(orderBy)) {
      return badRequest(`The $orderby expression '${orderBy}' is not supported.`);
    }
    const clauses: { field: "start" | "end"; operator: string; at: number }[] = [];
    const filterText = query.get("$filter");
    for (const part of filterText ? filterText.split(/\s+and\s+/i) : []) {
      const match = /^\s*(start|end)\/dateTime\s+(eq|ge|gt|le|lt)\s+'([^']+)'\s*$/i.exec(part);
      const at = match?.[3] === undefined ? undefined : parseUtcDefault(match[3]);
      if (!match || at === undefined) return badRequest(`Invalid filter clause: ${part.trim()}`);
      clauses.push({
        field: match[1]?.toLowerCase() === "end" ? "end" : "start",
        operator: (match[2] ?? "").toLowerCase(),
        at,
      });
    }
    const descending = /desc\s*$/i.test(orderBy ?? "");
    const events = [...mailbox.events.values()]
      .filter((event) => clauses.every((clause) => compare(event[clause.field], clause.operator, clause.at)))
      .sort((a, b) => (descending ? b.start - a.start : a.start - b.start) || a.id.localeCompare(b.id));
    const paged = pageOf(events, query, request.path, pageSizeLimit);
    if ("status" in paged) return paged;
    const body: Record<string, unknown> = {
      "@odata.context": `${GRAPH}/$metadata#users('${mailbox.owner.address}')/events`,
      value: paged.page.map((event) => select(renderEvent(event, mailbox, "UTC"), query)),
    };
    if (paged.nextLink) body["@odata.nextLink"] = paged.nextLink;
    return { status: 200, body };
  };

  /** Reads a dateTimeTimeZone; returns the instant and the zone name as sent. */
  const readDateTime = (
    value: unknown,
    which: string,
  ): { at: number; zone: string; wall: string } | ProviderHttpResponse => {
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
  };

  /** Applies an event body (create or patch) to `event`; returns an error answer when invalid. */
  const applyEvent = (
    event: StoredOutlookEvent,
    body: Record<string, unknown>,
  ): ProviderHttpResponse | undefined => {
    if (body.subject !== undefined) {
      if (typeof body.subject !== "string") return badRequest("Invalid value for property 'subject'.");
      event.subject = body.subject;
    }
    if (body.body !== undefined) {
      const content = body.body as { contentType?: unknown; content?: unknown } | null;
      event.body = typeof content?.content === "string" ? content.content : "";
      event.bodyType = String(content?.contentType ?? "text").toLowerCase() === "html" ? "html" : "text";
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
  };

  const createEvent = (request: ProviderHttpRequest, mailbox: Mailbox): ProviderHttpResponse => {
    const body = request.body;
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      return badRequest("Empty Payload. JSON content expected.", "ErrorInvalidRequest");
    }
    const fields = body as Record<string, unknown>;
    if (fields.start === undefined || fields.end === undefined) {
      return badRequest("Start and End must be specified for an event.", "ErrorInvalidRequest");
    }
    const id = graphId(mailbox.owner.address, `event:${randomBytes(8).toString("hex")}`);
    const stamp = now().getTime();
    const event: StoredOutlookEvent = {
      id,
      iCalUId: `040000008200E00074C5B7101A82E008${randomBytes(20).toString("hex").toUpperCase()}`,
      subject: "",
      body: "",
      bodyType: "text",
      start: 0,
      end: 0,
      timeZone: "UTC",
      attendees: [],
      organizer: mailbox.owner,
      isOnlineMeeting: false,
      created: stamp,
      modified: stamp,
    };
    const problem = applyEvent(event, fields);
    if (problem) return problem;
    mailbox.events.set(id, event);
    return {
      status: 201,
      body: {
        "@odata.context": `${GRAPH}/$metadata#users('${mailbox.owner.address}')/events/$entity`,
        ...renderEvent(event, mailbox, event.timeZone),
      },
    };
  };

  const eventItem = (request: ProviderHttpRequest, mailbox: Mailbox, id: string): ProviderHttpResponse => {
    const event = mailbox.events.get(id);
    if (!event) return itemNotFound();
    if (request.method === "GET")
      return { status: 200, body: select(renderEvent(event, mailbox, "UTC"), request.query) };
    if (request.method === "DELETE") {
      mailbox.events.delete(id);
      mailbox.deletedEvents.add(id);
      return { status: 204 };
    }
    if (request.method === "PATCH") {
      const body = request.body ?? {};
      if (typeof body !== "object" || body === null || Array.isArray(body)) {
        return badRequest("Empty Payload. JSON content expected.", "ErrorInvalidRequest");
      }
      // A rejected patch must leave the event as it was.
      const draft = structuredClone(event);
      const problem = applyEvent(draft, body as Record<string, unknown>);
      if (problem) return problem;
      draft.modified = now().getTime();
      mailbox.events.set(id, draft);
      return { status: 200, body: renderEvent(draft, mailbox, draft.timeZone) };
    }
    return methodNotAllowed();
  };

  return {
    connector: "outlook",
    pathPrefixes: [PREFIX],
    unauthorized() {
      return graphError(
        401,
        "InvalidAuthenticationToken",
        "Access token validation failure. Invalid audience.",
        {
          "www-authenticate":
            'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"',
        },
      );
    },
    insufficientScope(scope) {
      return graphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.", {
        "www-authenticate": `Bearer error="insufficient_scope", scope="${scope}"`,
      });
    },
    requiredScope(request) {
      const path = request.path.toLowerCase();
      if (path.startsWith("/v1.0/me/sendmail")) return "Mail.Send";
      if (path.startsWith("/v1.0/me/messages")) return "Mail.Read";
      if (path.startsWith("/v1.0/me/calendarview") || path.startsWith("/v1.0/me/events"))
        return "Calendars.ReadWrite";
      return undefined;
    },
    handle(request) {
      const mailbox = mailboxFor(request.grant.identifier);
      const segments = pathSegments(request.path, PREFIX);
      const [collection = "", id, ...rest] = segments;
      if (rest.length > 0) return badRequest(`Resource not found for the segment '${rest[0]}'.`);
      switch (collection.toLowerCase()) {
        case "messages": {
          if (id === undefined)
            return request.method === "GET" ? listMessages(request, mailbox) : methodNotAllowed();
          if (request.method !== "GET") return methodNotAllowed();
          const message = mailbox.messages.find((item) => item.id === id);
          return message
            ? { status: 200, body: select(renderMessage(message), request.query) }
            : itemNotFound();
        }
        case "sendmail":
          if (id !== undefined) return badRequest(`Resource not found for the segment '${id}'.`);
          return request.method === "POST" ? sendMail(request, mailbox) : methodNotAllowed();
        case "calendarview":
          if (id !== undefined) return badRequest(`Resource not found for the segment '${id}'.`);
          return request.method === "GET" ? calendarView(request, mailbox) : methodNotAllowed();
        case "events":
          if (id === undefined) {
            if (request.method === "GET") return listEvents(request, mailbox);
            return request.method === "POST" ? createEvent(request, mailbox) : methodNotAllowed();
          }
          return eventItem(request, mailbox, id);
        default:
          return badRequest(`Resource not found for the segment '${collection}'.`);
      }
    },
    inspect(identifier) {
      const mailbox = mailboxFor(identifier);
      const newest = [...mailbox.messages].sort((a, b) => b.received - a.received);
      return {
        owner: { ...mailbox.owner },
        timeZone: mailbox.timeZone,
        messages: newest.map((message) => renderMessage(message)),
        sent: newest
          .filter((message) => message.folder === "sentitems")
          .map((message) => renderMessage(message)),
        events: [...mailbox.events.values()]
          .sort((a, b) => a.start - b.start)
          .map((event) => renderEvent(event, mailbox, "UTC")),
        deletedEventIds: [...mailbox.deletedEvents],
      };
    },
  };
}

function methodNotAllowed(): ProviderHttpResponse {
  return graphError(
    405,
    "Request_BadRequest",
    "Specified HTTP method is not allowed for the request target.",
  );
}
