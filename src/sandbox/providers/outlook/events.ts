/** Calendar: GET /me/calendarView, GET and POST /me/events, and GET, PATCH, DELETE of one event. */
import { randomBytes } from "node:crypto";
import { isRecord, type ProviderHttpRequest, type ProviderHttpResponse } from "../provider-emulator.js";
import { applyEvent } from "./event-body.js";
import {
  badRequest,
  compare,
  emptyPayload,
  GRAPH,
  itemAnswer,
  itemNotFound,
  listAnswer,
  methodNotAllowed,
  parseUtcDefault,
} from "./graph-wire.js";
import type { GraphContext, Mailbox } from "./mailbox.js";
import { graphId, type StoredOutlookEvent } from "./outlook-seed.js";
import { renderEvent } from "./render.js";

/** Events that overlap the window `startDateTime`–`endDateTime` (both required), by start. */
export function calendarView(
  request: ProviderHttpRequest,
  mailbox: Mailbox,
  context: GraphContext,
): ProviderHttpResponse {
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
  const order = startOrder(query);
  if ("status" in order) return order;
  const events = byStart(
    [...mailbox.events.values()].filter((event) => event.end > start && event.start < end),
    order.descending,
  );
  return eventList(events, request, mailbox, "calendarView", context);
}

/** `GET /me/events`: every event, by start; `$filter` on start/end dateTime (UTC) with and. */
export function listEvents(
  request: ProviderHttpRequest,
  mailbox: Mailbox,
  context: GraphContext,
): ProviderHttpResponse {
  const order = startOrder(request.query);
  if ("status" in order) return order;
  const clauses: { field: "start" | "end"; operator: string; at: number }[] = [];
  const filterText = request.query.get("$filter");
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
  const events = byStart(
    [...mailbox.events.values()].filter((event) =>
      clauses.every((clause) => compare(event[clause.field], clause.operator, clause.at)),
    ),
    order.descending,
  );
  return eventList(events, request, mailbox, "events", context);
}

export function createEvent(
  request: ProviderHttpRequest,
  mailbox: Mailbox,
  context: GraphContext,
): ProviderHttpResponse {
  const fields = request.body;
  if (!isRecord(fields)) return emptyPayload();
  if (fields.start === undefined || fields.end === undefined) {
    return badRequest("Start and End must be specified for an event.", "ErrorInvalidRequest");
  }
  const id = graphId(mailbox.owner.address, `event:${randomBytes(8).toString("hex")}`);
  const stamp = context.now().getTime();
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
  const problem = applyEvent(event, fields, context.now);
  if (problem) return problem;
  mailbox.events.set(id, event);
  return {
    status: 201,
    body: {
      "@odata.context": `${GRAPH}/$metadata#users('${mailbox.owner.address}')/events/$entity`,
      ...renderEvent(event, mailbox, event.timeZone),
    },
  };
}

export function eventItem(
  request: ProviderHttpRequest,
  mailbox: Mailbox,
  id: string,
  context: GraphContext,
): ProviderHttpResponse {
  const event = mailbox.events.get(id);
  if (!event) return itemNotFound();
  if (request.method === "GET") return itemAnswer(renderEvent(event, mailbox, "UTC"), request.query);
  if (request.method === "DELETE") {
    mailbox.events.delete(id);
    mailbox.deletedEvents.add(id);
    return { status: 204 };
  }
  if (request.method === "PATCH") {
    const body = request.body ?? {};
    if (!isRecord(body)) return emptyPayload();
    // A rejected patch must leave the event as it was.
    const draft = structuredClone(event);
    const problem = applyEvent(draft, body, context.now);
    if (problem) return problem;
    draft.modified = context.now().getTime();
    mailbox.events.set(id, draft);
    return { status: 200, body: renderEvent(draft, mailbox, draft.timeZone) };
  }
  return methodNotAllowed();
}

/** `$orderby` on events: `start/dateTime` only, ascending unless `desc`. */
function startOrder(query: URLSearchParams): { descending: boolean } | ProviderHttpResponse {
  const orderBy = query.get("$orderby");
  if (orderBy !== null && !/^\s*start\/dateTime(\s+(asc|desc))?\s*$/i.test(orderBy)) {
    return badRequest(`The $orderby expression '${orderBy}' is not supported.`);
  }
  return { descending: /desc\s*$/i.test(orderBy ?? "") };
}

/** Sorts in place by start (ties by id, so pages are stable) and returns the same array. */
function byStart(events: StoredOutlookEvent[], descending: boolean): StoredOutlookEvent[] {
  return events.sort(
    (a, b) => (descending ? b.start - a.start : a.start - b.start) || a.id.localeCompare(b.id),
  );
}

/** A page of events in UTC, as Graph answers without a `Prefer: outlook.timezone` header. */
function eventList(
  events: StoredOutlookEvent[],
  request: ProviderHttpRequest,
  mailbox: Mailbox,
  collection: string,
  context: GraphContext,
): ProviderHttpResponse {
  return listAnswer(
    events,
    request,
    { owner: mailbox.owner.address, collection, limit: context.pageSizeLimit },
    (event) => renderEvent(event, mailbox, "UTC"),
  );
}
